using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PromptOps.Tests.TestSupport;
using Xunit.Abstractions;

namespace PromptOps.Tests.Sqlite;

/// <summary>An activation made in one OS process is served by another attached to the same store.</summary>
public sealed class LiveActivationProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ActivateAsync_InThisProcess_AnotherProcessOnTheSameStoreServesItWithinItsPollInterval()
    {
        using var temp = new TempStore();
        using (var migrate = Instance(temp.ConnectionString))
        {
            await migrate.StartAsync();
            await migrate.StopAsync();
        }

        var other = WorkerProcess.Start("serve", temp.Path, "60");
        await other.WaitForLineAsync("ready", TimeSpan.FromSeconds(60));
        await other.WaitForLineAsync(l => l.EndsWith(" 2.1.0", StringComparison.Ordinal), "the labelled version 2.1.0", TimeSpan.FromSeconds(10));

        using var host = Instance(temp.ConnectionString);
        await host.StartAsync();
        var activation = await host.Services.GetRequiredService<IPromptActivations>().ActivateAsync("customer-support", "2.0.0", "production", "rollback (INC-4312)", "ann");
        var served = await other.WaitForLineAsync(l => l.EndsWith(" 2.0.0", StringComparison.Ordinal), "the activated version 2.0.0", TimeSpan.FromSeconds(20));
        other.Kill();

        var delay = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(served.Split(' ')[0], CultureInfo.InvariantCulture)) - activation.Timestamp;
        output.WriteLine($"The other process served the activation {delay.TotalMilliseconds:N0} ms after it was recorded (poll interval 200 ms).");
        Assert.True(delay < TimeSpan.FromSeconds(5), $"the other process took {delay} to serve the activation");
        await host.StopAsync();
    }

    [Fact]
    public async Task StartRolloutAsync_ThreeOtherProcessesMoveIt_EachStepIsRecordedOnceAndAllServeTheNewVersion()
    {
        using var temp = new TempStore();
        using (var migrate = Instance(temp.ConnectionString))
        {
            await migrate.StartAsync();
            await migrate.StopAsync();
        }

        var workers = Enumerable.Range(0, 3).Select(_ => WorkerProcess.Start("serve", temp.Path, "90")).ToList();
        foreach (var worker in workers)
        {
            await worker.WaitForLineAsync("ready", TimeSpan.FromSeconds(60));
        }

        // No controller: this process only records the start; the workers (each polling every 200 ms) take every step.
        var log = SqliteStoreBuilderExtensions.OpenActivationLog(temp.ConnectionString);
        var library = PromptLibrary.LoadDirectory(RepositoryPaths.Prompts);
        var desk = PromptActivations.ForLibrary(log, library, new PromptOpsOptions { Environment = "production" }, TimeProvider.System);
        var plan = new PromptRolloutPlan { Steps = [20, 60, 100], Interval = TimeSpan.FromSeconds(1), Guard = "none" };
        var start = await desk.StartRolloutAsync("customer-support", "2.0.0", "production", plan, "shorter answers", "ann", CancellationToken.None);
        foreach (var worker in workers)
        {
            // Anonymous calls get the old version until the last step.
            await worker.WaitForLineAsync(l => l.EndsWith(" 2.0.0", StringComparison.Ordinal), "the rolled-out version 2.0.0", TimeSpan.FromSeconds(60));
            worker.Kill();
        }

        var history = await log.GetHistoryAsync("customer-support", "production");
        var steps = history.Where(a => a.RelatesTo == start.Id).ToList();
        output.WriteLine(string.Join(Environment.NewLine, history));
        Assert.Equal(["2.1.0:40, 2.0.0:60; salt=" + start.Id, "2.0.0"], steps.Select(s => s.ToVersion));
        Assert.All(steps, s => Assert.Equal("rollout", s.ActivatedBy));
        Assert.Equal(PromptRolloutState.Completed, Assert.Single(RolloutHistory.Read(history)).State);
    }

    private static IHost Instance(string store)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddPromptOps(o =>
        {
            o.Environment = "production";
            o.ActivationPollInterval = TimeSpan.FromMilliseconds(200);
        }).AddPromptDirectory(RepositoryPaths.Prompts).AddSqliteStore(store);
        return builder.Build();
    }
}
