using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.DependencyInjection;

public sealed class PromptOpsServiceCollectionExtensionsTests : IDisposable
{
    private readonly TempPromptLibrary _dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt());

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AddCallSink_Instance_ReceivesEveryRecordOnceEvenWhenAddedTwice()
    {
        var sink = new CollectingSink();
        var services = new ServiceCollection().AddLogging();
        services.AddPromptOps().AddCallSink(sink).AddCallSink(sink);
        services.AddChatClient(Fakes.Replying(usage: new UsageDetails { InputTokenCount = 10, OutputTokenCount = 2 })).UsePromptOps();
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi");
        await provider.GetRequiredService<ICallRecordDispatcher>().FlushAsync();

        Assert.Single(sink.Records);
    }

    [Fact]
    public void AddPromptOps_CalledTwiceWithTheSameSource_RegistersEverythingOnce()
    {
        var services = new ServiceCollection();

        services.AddPromptOps().AddPromptDirectory(_dir.Root).AddEmbeddedPrompts(typeof(PromptOpsServiceCollectionExtensionsTests).Assembly);
        var countAfterFirst = services.Count;
        services.AddPromptOps(o => o.AllowDrafts = true).AddPromptDirectory(_dir.Root).AddEmbeddedPrompts(typeof(PromptOpsServiceCollectionExtensionsTests).Assembly);

        Assert.Equal(countAfterFirst + 1, services.Count); // only the second Configure callback is added
        Assert.Single(services, d => d.ServiceType == typeof(IPromptCatalog));
        Assert.Single(services, d => d.ImplementationType == typeof(PromptCatalogStartupCheck));
        var provider = services.BuildServiceProvider();
        Assert.True(provider.GetRequiredService<IOptions<PromptOpsOptions>>().Value.AllowDrafts);
        Assert.NotEmpty(provider.GetRequiredService<IPromptCatalog>().List());
    }

    [Fact]
    public async Task ServiceProvider_UsePromptOpsClientResolved_DisposesSynchronouslyAndAsynchronously()
    {
        var services = new ServiceCollection();
        services.AddLogging().AddPromptOps(o => o.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = 5m });
        services.AddChatClient(Fakes.Replying()).UsePromptOps();
        var first = services.BuildServiceProvider();
        await first.GetRequiredService<IChatClient>().GetResponseAsync("hi");
        var second = services.BuildServiceProvider();
        await second.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        first.Dispose();
        await second.DisposeAsync();
    }

    [Fact]
    public void AddPromptOps_AppRegisteredCatalogFirst_KeepsTheAppsCatalog()
    {
        var services = new ServiceCollection();
        var mine = new PromptCatalogStub();
        services.AddSingleton<IPromptCatalog>(mine);

        services.AddPromptOps();

        Assert.Same(mine, services.BuildServiceProvider().GetRequiredService<IPromptCatalog>());
    }

    [Fact]
    public void AddPromptOps_ConfigurationSection_BindsOptions()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PromptOps:Environment"] = "staging",
            ["PromptOps:AllowDrafts"] = "true",
            ["PromptOps:RenderLimits:MaxSteps"] = "50",
            ["PromptOps:RenderLimits:Timeout"] = "00:00:01",
        }).Build();
        var services = new ServiceCollection();
        services.AddPromptOps(configuration.GetSection("PromptOps"));

        var options = services.BuildServiceProvider().GetRequiredService<IOptions<PromptOpsOptions>>().Value;

        Assert.Equal(("staging", true, 50, TimeSpan.FromSeconds(1)), (options.Environment, options.AllowDrafts, options.RenderLimits.MaxSteps, options.RenderLimits.Timeout));
    }

    [Theory]
    [InlineData("Development", "development")]
    [InlineData("Staging", "staging")]
    public void Environment_NotConfigured_DefaultsToTheHostEnvironmentInLowercase(string hostEnvironment, string expected)
    {
        using var host = Hosts.Build(services => services.AddPromptOps().AddPromptDirectory(_dir.Root), environment: hostEnvironment);

        Assert.Equal(expected, host.Services.GetRequiredService<IOptions<PromptOpsOptions>>().Value.Environment);
    }

    [Fact]
    public void Environment_NoHost_DefaultsToProduction()
    {
        var services = new ServiceCollection();
        services.AddPromptOps();

        Assert.Equal("production", services.BuildServiceProvider().GetRequiredService<IOptions<PromptOpsOptions>>().Value.Environment);
    }

    [Theory]
    [InlineData("PromptOps:RenderLimits:MaxSteps", "0", "MaxSteps")]
    [InlineData("PromptOps:RenderLimits:MaxOutputLength", "-1", "MaxOutputLength")]
    [InlineData("PromptOps:Environment", "prod env!", "'prod env!'")]
    [InlineData("PromptOps:Budgets:Features:customer_support:MaxTokensPerRequest", "0", "PromptOps:Budgets:Features:customer_support:MaxTokensPerRequest is '0'")]
    [InlineData("PromptOps:Budgets:Features:customer_support:AlertThreshold", "1.5", "PromptOps:Budgets:Features:customer_support:AlertThreshold is '1.5'")]
    [InlineData("PromptOps:Budgets:MaxTokensPerRequest", "-5", "MaxTokensPerRequest")]
    [InlineData("PromptOps:Budgets:AlertThreshold", "0", "AlertThreshold")]
    [InlineData("PromptOps:Pricing:Models:my-model:InputPerMillionTokens", "2", "PromptOps:Pricing:Models:my-model needs both InputPerMillionTokens and OutputPerMillionTokens")]
    [InlineData("PromptOps:Pricing:PriceFile", "/nonexistent/prices.json", "PromptOps:Pricing:PriceFile: The price file '/nonexistent/prices.json' cannot be read")]
    [InlineData("PromptOps:Pricing:Endpoints:my gateway", "openrouter", "PromptOps:Pricing:Endpoints:my gateway is not a host name or URL")]
    [InlineData("PromptOps:Calls:QueueCapacity", "0", "QueueCapacity")]
    public async Task StartAsync_InvalidOptions_FailsOnStartNamingTheSetting(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        using var host = Hosts.Build(
            services => services.AddPromptOps(new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("PromptOps")).AddPromptDirectory(_dir.Root));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NegativePriceOverride_FailsNamingTheModelAndField()
    {
        var settings = new Dictionary<string, string?>
        {
            ["PromptOps:Pricing:Models:my-model:InputPerMillionTokens"] = "-1",
            ["PromptOps:Pricing:Models:my-model:OutputPerMillionTokens"] = "4",
        };
        using var host = Hosts.Build(services => services.AddPromptOps(new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("PromptOps")).AddPromptDirectory(_dir.Root));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("PromptOps:Pricing:Models:my-model:InputPerMillionTokens is '-1', but a price cannot be negative", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PromptOps:Budgets:Features:customer_support:Policy", "Rejekt", "Reject, ClampOutput, Warn")]
    [InlineData("PromptOps:Budgets:Policy", "Clamp", "Reject, ClampOutput, Warn")]
    [InlineData("PromptOps:Calls:ContentCapture", "Some", "Off, Redacted, Full")]
    public async Task StartAsync_UnknownEnumName_FailsNamingTheSettingAndTheChoices(string key, string value, string choices)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        using var host = Hosts.Build(services => services.AddPromptOps(new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("PromptOps")).AddPromptDirectory(_dir.Root));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(choices, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddChatClient_UsePromptOps_ResolvesTheMiddlewareFromTheContainer()
    {
        var services = new ServiceCollection();
        services.AddPromptOps(o => o.Budgets.MaxTokensPerRequest = 100_000).AddCallSink<CollectingSink>();
        services.AddChatClient(Fakes.Replying()).UsePromptOps();
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IChatClient>();
        await client.GetResponseAsync("hi");
        await provider.GetRequiredService<ICallRecordDispatcher>().FlushAsync();
        var sink = provider.GetServices<IPromptCallSink>().OfType<CollectingSink>().Single();

        Assert.Equal(PromptOpsFeatures.All, client.GetService<PromptOpsChatClient>()?.Features);
        Assert.Single(sink.Records);
        Assert.Contains(services, d => d.ServiceType == typeof(IPromptCallSink) && d.ImplementationType?.Name == "LoggingPromptCallSink");
    }

    [Fact]
    public async Task StartAsync_ValidSetup_LoadsTheCatalogBeforeTheFirstRequest()
    {
        using var host = Hosts.Build(services => services.AddPromptOps().AddPromptDirectory(_dir.Root));

        await host.StartAsync();

        Assert.Equal("greeting", Assert.Single(host.Services.GetRequiredService<IPromptCatalog>().List()).Id);
        await host.StopAsync();
    }

    private sealed class PromptCatalogStub : IPromptCatalog
    {
        public IReadOnlyList<PromptDiagnostic> Diagnostics => [];

        public PromptTemplate Get(string id) => throw new PromptNotFoundException(id, null, "stub");

        public PromptTemplate Get(string id, string version) => throw new PromptNotFoundException(id, version, "stub");

        public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() => Microsoft.Extensions.FileProviders.NullChangeToken.Singleton;

        public IReadOnlyList<PromptTemplate> List() => [];

        public bool TryGet(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PromptTemplate? prompt) => (prompt = null) is not null;

        public bool TryGet(string id, string version, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PromptTemplate? prompt) => (prompt = null) is not null;
    }
}
