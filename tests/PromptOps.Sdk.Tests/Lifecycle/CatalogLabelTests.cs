using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Lifecycle;

public sealed class CatalogLabelTests : IDisposable
{
    private readonly TempPromptLibrary _dir = new TempPromptLibrary()
        .With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(body: "Hello {{ name }}!"))
        .With("greeting/1.1.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.1.0", body: "Hi {{ name }}!"))
        .With("greeting/1.2.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.2.0", body: "Hey {{ name }}!", status: "draft"))
        .With("labels.yaml", """
            production:
              greeting: 1.1.0
            staging:
              greeting:
                salt: greeting-test
                variants:
                  - { version: 1.1.0, weight: 50, name: control }
                  - { version: 1.0.0, weight: 50, name: classic }
            """)
        .Locked();

    public void Dispose() => _dir.Dispose();

    /// <summary>A host configured the way an application is, with configuration that the test can change and reload.</summary>
    private IHost BuildHost(Dictionary<string, string?>? settings = null, string environment = "Production")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace)).AddFakeLogging();
        builder.Services.AddPromptOps(builder.Configuration.GetSection("PromptOps")).AddPromptDirectory(_dir.Root);
        return builder.Build();
    }

    private static void Reconfigure(IHost host, string key, string? value)
    {
        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        configuration[key] = value;
        configuration.Reload();
    }

    private static string Greet(IPromptCatalog catalog) => catalog.Get("greeting").Render(new { name = "Ann" }).Messages[^1].Text;

    [Fact]
    public async Task Get_LabelInLabelsFile_ServesTheLabelledVersionNotTheHighest()
    {
        using var host = BuildHost();
        await host.StartAsync();
        var catalog = host.Services.GetRequiredService<IPromptCatalog>();

        var rendered = catalog.Get("greeting").Render(new { name = "Ann" });

        Assert.Equal("Hi Ann!", rendered.Messages[^1].Text);
        Assert.Equal("1.1.0", rendered.Prompt.Version);
        Assert.Equal("production", rendered.Prompt.Label);
        Assert.Null(rendered.Prompt.Variant);
        Assert.Equal("production", rendered.Options.AdditionalProperties![PromptOpsChatOptionKeys.PromptLabel]);
        Assert.Equal("Hey Ann!", catalog.Get("greeting", "1.2.0").Render(new { name = "Ann" }).Messages[^1].Text); // exact versions bypass labels
    }

    [Fact]
    public async Task Get_EnvironmentWithoutLabel_ServesTheHighestPublishedVersion()
    {
        using var host = BuildHost(environment: "Development");
        await host.StartAsync();
        var catalog = host.Services.GetRequiredService<IPromptCatalog>();

        var prompt = catalog.Get("greeting");

        Assert.Equal("1.1.0", prompt.Version.ToString());
        Assert.Null(prompt.Reference.Label);
    }

    [Fact]
    public async Task Get_ConfigurationOverrideChanged_SwitchesOnTheNextGetAndBackWithoutRestart()
    {
        using var host = BuildHost();
        await host.StartAsync();
        var catalog = host.Services.GetRequiredService<IPromptCatalog>();
        Assert.Equal("Hi Ann!", Greet(catalog));

        Reconfigure(host, "PromptOps:Labels:production:greeting", "1.0.0");
        Assert.Equal("Hello Ann!", Greet(catalog));

        Reconfigure(host, "PromptOps:Labels:production:greeting", "1.1.0");
        Assert.Equal("Hi Ann!", Greet(catalog));

        var history = await host.Services.GetRequiredService<IActivationLog>().GetHistoryAsync("greeting", "production");
        Assert.Equal(["1.1.0 -> 1.0.0", "1.0.0 -> 1.1.0"], history.Select(a => $"{a.FromVersion} -> {a.ToVersion}"));
        Assert.All(history, a => Assert.Equal("configuration", a.ActivatedBy));
        Assert.Contains("PromptOps:Labels:production:greeting", history[0].Reason, StringComparison.Ordinal);
        var switched = host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot().Where(r => r.Id.Id == 1006).ToList();
        Assert.Equal(2, switched.Count);
        Assert.Equal(LogLevel.Warning, switched[0].Level);
        Assert.Contains("greeting in production now serves 1.0.0 (was 1.1.0)", switched[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_OverrideToASplitInConfiguration_AssignsUsersByWeight()
    {
        using var host = BuildHost(new() { ["PromptOps:Labels:production:greeting"] = "1.0.0:50, 1.1.0:50; salt=x" });
        await host.StartAsync();
        var catalog = host.Services.GetRequiredService<IPromptCatalog>();

        var variants = Enumerable.Range(0, 400).Select(user =>
        {
            using var context = PromptOpsContext.Begin(userId: $"user-{user}");
            return catalog.Get("greeting").Reference.Variant;
        }).ToList();

        Assert.InRange(variants.Count(v => v == "1.0.0"), 140, 260);
        Assert.InRange(variants.Count(v => v == "1.1.0"), 140, 260);
    }

    [Fact]
    public async Task Get_SplitLabel_ServesEachUserTheirVariantAndTheCallRecordShowsIt()
    {
        await using var pipeline = Pipeline.Create(
            configure: o => o.Environment = "staging",
            services: s => s.AddPromptOps().AddPromptDirectory(_dir.Root));
        var catalog = pipeline.Services.GetRequiredService<IPromptCatalog>();
        var users = Enumerable.Range(0, 40).Select(u => $"user-{u}").ToList();
        var label = PromptLibrary.LoadDirectory(_dir.Root).Labels.Single(l => l.Environment == "staging");

        foreach (var user in users)
        {
            using var context = PromptOpsContext.Begin(userId: user, requestId: user);
            var rendered = catalog.Get("greeting").Render(new { name = "Ann" });
            Assert.Equal(label.Choose(user).Name, rendered.Prompt.Variant);
            Assert.Equal(rendered.Prompt.Variant, catalog.Get("greeting").Reference.Variant); // sticky
            await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);
        }

        var records = await pipeline.RecordsAsync();
        Assert.Equal(users.Count, records.Count);
        Assert.All(records, r =>
        {
            var expected = label.Choose(r.UserId);
            Assert.Equal(expected.Name, r.Variant);
            Assert.Equal(expected.Version, r.PromptVersion);
            Assert.Equal("staging", r.Label);
        });
        Assert.Contains(records, r => r.Variant == "control");
        Assert.Contains(records, r => r.Variant == "classic");
    }

    [Fact]
    public async Task Get_SplitLabelWithoutUser_ServesTheControl()
    {
        await using var pipeline = Pipeline.Create(configure: o => o.Environment = "staging", services: s => s.AddPromptOps().AddPromptDirectory(_dir.Root));

        var prompt = pipeline.Services.GetRequiredService<IPromptCatalog>().Get("greeting");

        Assert.Equal("control", prompt.Reference.Variant);
    }

    [Theory]
    [InlineData("3.0.0", PromptDiagnosticCodes.LabelUnknownVersion, "PromptOps:Labels:production:greeting")]
    [InlineData("1.2.0", PromptDiagnosticCodes.LabelUnknownVersion, "which is a draft")]
    public async Task HostStart_OverrideNamesAVersionThatCannotBeServed_FailsNamingTheSetting(string version, string code, string message)
    {
        using var host = BuildHost(new() { ["PromptOps:Labels:production:greeting"] = version });

        var ex = await Assert.ThrowsAsync<PromptValidationException>(() => host.StartAsync());

        var error = Assert.Single(ex.Diagnostics);
        Assert.Equal(code, error.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("configuration PromptOps:Labels:production:greeting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_OverrideForAnUnknownPrompt_FailsWithSuggestion()
    {
        using var host = BuildHost(new() { ["PromptOps:Labels:production:greting"] = "1.0.0" });

        var ex = await Assert.ThrowsAsync<PromptValidationException>(() => host.StartAsync());

        Assert.Contains("Did you mean 'greeting'?", Assert.Single(ex.Diagnostics, d => d.Code == PromptDiagnosticCodes.LabelUnknownPrompt).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PromptOps:Labels:production:greeting", "2.x", "PromptOps:Labels:production:greeting is '2.x', which is invalid: '2.x' is not a SemVer version.")]
    [InlineData("PromptOps:Labels:production:greeting", "1.0.0:70, 1.1.0:20", "the weights sum to 90")]
    [InlineData("PromptOps:Labels:prod uction:greeting", "1.0.0", "PromptOps:Labels:prod uction is not a valid environment name")]
    public async Task HostStart_MalformedLabelSetting_FailsOptionsValidationNamingTheKey(string key, string value, string message)
    {
        using var host = BuildHost(new() { [key] = value });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_RuntimeOverrideToAMissingVersion_KeepsServingThePreviousVersionAndLogsTheError()
    {
        using var host = BuildHost();
        await host.StartAsync();
        var catalog = host.Services.GetRequiredService<IPromptCatalog>();
        Reconfigure(host, "PromptOps:Labels:production:greeting", "1.0.0");
        Assert.Equal("Hello Ann!", Greet(catalog));

        Reconfigure(host, "PromptOps:Labels:production:greeting", "9.9.9");

        Assert.Equal("Hello Ann!", Greet(catalog));
        var rejected = Assert.Single(host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot(), r => r.Id.Id == 1007);
        Assert.Equal(LogLevel.Error, rejected.Level);
        Assert.Contains("serves version 9.9.9, which does not exist", rejected.Message, StringComparison.Ordinal);
        Assert.Single(await host.Services.GetRequiredService<IActivationLog>().GetHistoryAsync()); // only the valid switch
    }

    [Fact]
    public async Task Get_ManyThreadsWhileConfigurationFlips_EveryRenderIsAWholeServedVersion()
    {
        using var host = BuildHost();
        await host.StartAsync();
        var catalog = host.Services.GetRequiredService<IPromptCatalog>();
        using var stop = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();

        var readers = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var prompt = catalog.Get("greeting");
                var text = prompt.Render(new { name = "Ann" }).Messages[^1].Text;
                seen.AddOrUpdate($"{prompt.Version}:{text}", 1, (_, count) => count + 1);
            }
        }, TaskCreationOptions.LongRunning)).ToList();
        for (var i = 0; i < 10; i++)
        {
            Reconfigure(host, "PromptOps:Labels:production:greeting", i % 2 == 0 ? "1.0.0" : "1.1.0");
            await Task.Delay(5);
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(["1.0.0:Hello Ann!", "1.1.0:Hi Ann!"], seen.Keys.Order(StringComparer.Ordinal));
    }
}
