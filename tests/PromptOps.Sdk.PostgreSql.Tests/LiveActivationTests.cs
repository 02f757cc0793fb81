using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PromptOps.Tests.TestSupport;
using Xunit.Abstractions;

namespace PromptOps.Tests.PostgreSql;

public sealed class LiveActivationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ActivateAsync_TwoInstancesOfOnePostgreSqlStore_TheOtherServesItAtOnceWithoutWaitingForItsPoll()
    {
        await using var pg = await PgStore.CreateAsync();
        using var first = Instance(pg.ConnectionString);
        using var second = Instance(pg.ConnectionString);
        await first.StartAsync();
        await second.StartAsync();
        var secondCatalog = second.Services.GetRequiredService<IPromptCatalog>();
        Assert.Equal("2.1.0", secondCatalog.Get("customer-support").Version.ToString());
        await Task.Delay(500); // the second instance is listening

        var clock = Stopwatch.StartNew();
        await first.Services.GetRequiredService<IPromptActivations>().ActivateAsync("customer-support", "2.0.0", "production", "rollback (INC-4312)", "ann");
        while (secondCatalog.Get("customer-support").Version.ToString() != "2.0.0")
        {
            // The poll interval is a minute: only the notification can switch it this fast.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the second instance never served the activated version");
            await Task.Delay(5);
        }

        output.WriteLine($"The second instance served the activation {clock.Elapsed.TotalMilliseconds:N0} ms after it was made (LISTEN/NOTIFY; poll interval 60 s).");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        await first.StopAsync();
        await second.StopAsync();
    }

    [Fact]
    public async Task TryRecordAsync_ManyInstancesExpectingTheSameLatest_ExactlyOneAppendsAndAllReadItsRelations()
    {
        await using var pg = await PgStore.CreateAsync();
        var first = SampleActivations.Rollback();
        var logs = Enumerable.Range(0, 8).Select(_ => new PostgreSqlActivationLog(pg.OpenDatabase())).ToList();
        await logs[0].RecordAsync(first);

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
            await logs[i % logs.Count].TryRecordAsync(new PromptActivation
            {
                PromptId = first.PromptId,
                Environment = "Production",
                ToVersion = $"1.0.{i}",
                ActivatedBy = "guard",
                Timestamp = first.Timestamp,
                RelatesTo = first.Id,
                Rollout = "steps=5,100; interval=30m; guard=none; min-calls=100",
            }, first.Id))));

        Assert.Single(results, appended => appended);
        var history = await logs[7].GetHistoryAsync(first.PromptId, "production");
        Assert.Equal(2, history.Count);
        Assert.Equal((first.Id, "guard"), (history[1].RelatesTo, history[1].ActivatedBy));
        Assert.StartsWith("steps=5,100", history[1].Rollout, StringComparison.Ordinal);
        foreach (var log in logs)
        {
            await log.DisposeAsync();
        }
    }

    private static IHost Instance(string store)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddPromptOps(o =>
        {
            o.Environment = "production";
            o.ActivationPollInterval = TimeSpan.FromSeconds(60);
        }).AddPromptDirectory(RepositoryPaths.Prompts).AddPostgreSqlStore(store);
        return builder.Build();
    }
}
