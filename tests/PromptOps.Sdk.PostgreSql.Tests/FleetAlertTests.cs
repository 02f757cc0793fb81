using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.PostgreSql;

public sealed class FleetAlertTests
{
    [Fact]
    public async Task GetResponseAsync_ThreeInstancesCrossNinetyPercentTogether_TheFleetGetsEachAlertOnce()
    {
        await using var pg = await PgStore.CreateAsync();
        var alerts = new ConcurrentQueue<SpendBudgetAlert>();
        var hosts = Enumerable.Range(0, 3).Select(_ => Instance(pg.ConnectionString, alerts)).ToList();
        foreach (var host in hosts)
        {
            await host.StartAsync();
        }

        // $10 calls against $300: 27 calls reach 90%; 30 reach the limit. Each instance makes 10, interleaved.
        await Task.WhenAll(hosts.Select(host => Task.Run(async () =>
        {
            var client = host.Services.GetRequiredService<IChatClient>();
            for (var i = 0; i < 10; i++)
            {
                await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options());
            }
        })));

        foreach (var host in hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        Assert.Equal([0.5, 0.9, 1.0], alerts.Select(a => a.Threshold).Order());
        Assert.Equal(3, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.spend_alerts"));
        Assert.Equal(300L * 1_000_000_000, await pg.ScalarAsync("SELECT spent_nanousd FROM promptops.spend_ledger"));
    }

    private static IHost Instance(string connectionString, ConcurrentQueue<SpendBudgetAlert> alerts)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddPromptOps(o =>
        {
            SpendPrices.Configure(o);
            o.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = 300m };
        }).AddPromptDirectory(RepositoryPaths.Prompts).AddPostgreSqlStore(connectionString);
        builder.Services.AddSingleton<IBudgetAlertHandler>(new Collecting(alerts));
        builder.Services.AddChatClient(Fakes.Replying(usage: new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 })).UsePromptOps();
        return builder.Build();
    }

    private sealed class Collecting(ConcurrentQueue<SpendBudgetAlert> alerts) : IBudgetAlertHandler
    {
        public ValueTask HandleAsync(SpendBudgetAlert alert, CancellationToken cancellationToken)
        {
            alerts.Enqueue(alert);
            return ValueTask.CompletedTask;
        }
    }
}
