using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.PostgreSql;

/// <summary>DESIGN's budget target on the PostgreSQL ledger in one process: 1,000 calls at once against a budget for exactly 100.</summary>
public sealed class PostgreSqlBudgetBurstTests
{
    [Fact]
    public async Task GetResponseAsync_BurstOfThousandAgainstABudgetForHundred_BetweenNinetyFiveAndHundredSucceed()
    {
        await using var pg = await PgStore.CreateAsync();
        await using var pipeline = Pipeline.Create(
            Fakes.Replying(usage: new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 }, latency: TimeSpan.FromMilliseconds(2)),
            configure: o =>
            {
                SpendPrices.Configure(o);
                o.Spending.Budgets["burst"] = new SpendBudget { LimitUsd = 1000m };

                // As in the SQLite process tests: this is about contention for the budget, and on a test host running other
                // test processes on two cores an exchange can wait longer than the default 250 ms for the CPU alone.
                o.Spending.LedgerTimeout = TimeSpan.FromSeconds(1);
            },
            services: s => s.AddPromptOps().AddPostgreSqlStore(pg.ConnectionString));
        // What the store's start-up does before a host serves (this pipeline has no host).
        await pipeline.Services.GetRequiredService<PostgreSqlSpendLedger>().WarmUpAsync(CancellationToken.None);
        var succeeded = 0;

        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 50 }, async (_, ct) =>
        {
            try
            {
                await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options(), ct);
                Interlocked.Increment(ref succeeded);
            }
            catch (SpendBudgetExceededException)
            {
            }
        });

        // $10 calls (worst case = actual) against $1,000.
        Assert.InRange(succeeded, 95, 100);
        Assert.Equal(succeeded, pipeline.Inner.CallCount);
        await pipeline.Services.GetRequiredService<PostgreSqlSpendLedger>().DisposeAsync();
        Assert.Equal(succeeded * 10L * 1_000_000_000, await pg.ScalarAsync("SELECT spent_nanousd FROM promptops.spend_ledger"));
    }
}
