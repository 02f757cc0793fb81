using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace PromptOps.Tests.Sqlite;

/// <summary>Activation is the act: instances attached to one store serve what is activated, with no restart or configuration change.</summary>
public sealed class LiveActivationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ActivateAsync_OneInstanceActivates_TheOtherServesItWithinThePollInterval()
    {
        using var temp = new TempStore();
        using var first = Instance(temp.ConnectionString);
        using var second = Instance(temp.ConnectionString);
        await first.StartAsync();
        await second.StartAsync();
        var secondCatalog = second.Services.GetRequiredService<IPromptCatalog>();
        Assert.Equal("2.1.0", secondCatalog.Get("customer-support").Version.ToString());

        var clock = Stopwatch.StartNew();
        var activation = await first.Services.GetRequiredService<IPromptActivations>().ActivateAsync("customer-support", "2.0.0", "production", "rollback: refunds answered wrongly (INC-4312)", "ann");

        Assert.Equal("2.0.0", first.Services.GetRequiredService<IPromptCatalog>().Get("customer-support").Version.ToString());
        while (secondCatalog.Get("customer-support").Version.ToString() != "2.0.0")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the second instance never served the activated version");
            await Task.Delay(10);
        }

        output.WriteLine($"The second instance served the activation after {clock.Elapsed.TotalMilliseconds:N0} ms (poll interval 200 ms).");
        Assert.Equal(("2.1.0", "2.0.0", "ann", PromptActivationKind.Activated), (activation.FromVersion, activation.ToVersion, activation.ActivatedBy, activation.Kind));
        var history = await second.Services.GetRequiredService<IActivationLog>().GetHistoryAsync("customer-support", "production");
        Assert.Equal("rollback: refunds answered wrongly (INC-4312)", Assert.Single(history).Reason);
        await first.StopAsync();
        await second.StopAsync();
    }

    [Fact]
    public async Task ActivateAsync_UnknownOrDraftVersion_IsRefusedAndNothingChanges()
    {
        using var temp = new TempStore();
        using var host = Instance(temp.ConnectionString);
        await host.StartAsync();
        var activations = host.Services.GetRequiredService<IPromptActivations>();

        var unknown = await Assert.ThrowsAsync<PromptOpsException>(() => activations.ActivateAsync("customer-support", "9.9.9", "production", "test"));
        var noPrompt = await Assert.ThrowsAsync<PromptOpsException>(() => activations.ActivateAsync("no-such-prompt", "1.0.0", "production", "test"));
        var notAVersion = await Assert.ThrowsAsync<PromptOpsException>(() => activations.ActivateAsync("customer-support", "latest!", "production", "test"));

        Assert.Contains("9.9.9", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-prompt", noPrompt.Message, StringComparison.Ordinal);
        Assert.Contains("latest!", notAVersion.Message, StringComparison.Ordinal);
        Assert.Empty(await host.Services.GetRequiredService<IActivationLog>().GetHistoryAsync());
        Assert.Equal("2.1.0", host.Services.GetRequiredService<IPromptCatalog>().Get("customer-support").Version.ToString());
        await host.StopAsync();
    }

    [Fact]
    public async Task ActivateAsync_ConfigurationOverridesTheLabel_TheActivationWins()
    {
        using var temp = new TempStore();
        using var host = Instance(temp.ConnectionString, new Dictionary<string, string?> { ["PromptOps:Labels:production:customer-support"] = "2.1.0" });
        await host.StartAsync();

        await host.Services.GetRequiredService<IPromptActivations>().ActivateAsync("customer-support", "2.0.0", "production", "rollback");

        Assert.Equal("2.0.0", host.Services.GetRequiredService<IPromptCatalog>().Get("customer-support").Version.ToString());
        await host.StopAsync();
    }

    [Fact]
    public async Task StartAsync_InstanceStartedAfterAnActivation_ServesItFromItsFirstCall()
    {
        using var temp = new TempStore();
        using (var earlier = Instance(temp.ConnectionString))
        {
            await earlier.StartAsync();
            await earlier.Services.GetRequiredService<IPromptActivations>().ActivateAsync("customer-support", "2.0.0", "production", "rollback");
            await earlier.StopAsync();
        }

        using var later = Instance(temp.ConnectionString);
        await later.StartAsync();

        Assert.Equal("2.0.0", later.Services.GetRequiredService<IPromptCatalog>().Get("customer-support").Version.ToString());
        await later.StopAsync();
    }

    private static IHost Instance(string store, Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Services.AddPromptOps(builder.Configuration.GetSection("PromptOps"))
            .AddPromptDirectory(RepositoryPaths.Prompts)
            .AddSqliteStore(store);
        builder.Services.Configure<PromptOpsOptions>(o =>
        {
            o.Environment = "production";
            o.ActivationPollInterval = TimeSpan.FromMilliseconds(200);
        });
        return builder.Build();
    }
}
