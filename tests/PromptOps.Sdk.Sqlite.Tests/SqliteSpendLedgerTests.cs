using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Sqlite;

public class SqliteSpendLedgerTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SettleAsync_AfterARestart_TheNewLedgerSeesWhatWasSpent()
    {
        using var temp = new TempStore();
        var bucket = new SpendBucket("daily", "*", Day);
        var first = Ledger(temp);
        Assert.True((await first.TryReserveAsync(new SpendReservationRequest("r1", 10m, [new SpendClaim(bucket, 100m)], Day.AddHours(1)))).Reserved);
        await first.SettleAsync("r1", [bucket], 7.25m);
        Assert.True(await first.TryRecordAlertAsync(bucket, 0.5));

        var restarted = Ledger(temp);
        var total = await restarted.GetAsync(bucket);

        Assert.Equal(7.25m, total.SpentUsd);
        Assert.Equal(0m, total.ReservedUsd);
        Assert.False(await restarted.TryRecordAlertAsync(bucket, 0.5));
    }

    [Fact]
    public async Task TryReserveAsync_ReservationNeverSettled_IsReleasedWhenItExpires()
    {
        using var temp = new TempStore();
        var time = new FakeTimeProvider(Day);
        var ledger = Ledger(temp, time);
        var bucket = new SpendBucket("daily", "*", Day);
        await ledger.TryReserveAsync(new SpendReservationRequest("crashed", 90m, [new SpendClaim(bucket, 100m)], Day.AddMinutes(30)));

        Assert.False((await ledger.TryReserveAsync(new SpendReservationRequest("r2", 20m, [new SpendClaim(bucket, 100m)], Day.AddMinutes(30)))).Reserved);
        time.Advance(TimeSpan.FromMinutes(31));

        Assert.True((await ledger.TryReserveAsync(new SpendReservationRequest("r3", 20m, [new SpendClaim(bucket, 100m)], time.GetUtcNow().AddMinutes(30)))).Reserved);
    }

    [Fact]
    public async Task TryReserveAsync_OneClaimOverItsLimit_ReservesInNoBucket()
    {
        using var temp = new TempStore();
        var ledger = Ledger(temp);
        var global = new SpendBucket("daily", "*", Day);
        var user = new SpendBucket("per-user", "alice", Day);

        var result = await ledger.TryReserveAsync(new SpendReservationRequest("r1", 6m, [new SpendClaim(global, 100m), new SpendClaim(user, 5m)], Day.AddHours(1)));

        Assert.False(result.Reserved);
        Assert.Equal(1, result.RejectedIndex);
        Assert.Equal(0m, (await ledger.GetAsync(global)).ReservedUsd);
    }

    [Fact]
    public async Task GetResponseAsync_TwoApplicationsSharingOneStoreWithThousandCalls_SpendNeverExceedsTheLimit()
    {
        using var temp = new TempStore();
        await using var first = Create(temp);
        await using var second = Create(temp);
        var succeeded = 0;

        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var pipeline = i % 2 == 0 ? first : second;
            try
            {
                await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options(), ct);
                Interlocked.Increment(ref succeeded);
            }
            catch (SpendBudgetExceededException)
            {
            }
        });

        Assert.Equal(100, succeeded);
        Assert.Equal(100, first.Inner.CallCount + second.Inner.CallCount);
        Assert.Equal(1000L * 1_000_000_000, temp.Scalar("SELECT SUM(spent_nanousd) FROM spend_ledger"));
        Assert.Equal(0, temp.Scalar("SELECT COUNT(*) FROM spend_reservations"));
        Assert.Equal(3, temp.Scalar("SELECT COUNT(*) FROM spend_alerts"));
        Assert.Equal(1000, (await first.RecordsAsync()).Count + (await second.RecordsAsync()).Count);
    }

    [Fact]
    public async Task AddSqliteStore_HostedApplication_StoresCallsBudgetsAndActivationsAndFlushesOnStop()
    {
        using var temp = new TempStore();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddPromptOps(o =>
        {
            SpendPrices.Configure(o);
            o.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = 1000m };
        }).AddPromptDirectory(RepositoryPaths.Prompts).AddSqliteStore(temp.ConnectionString);
        builder.Services.AddChatClient(Fakes.Replying(usage: new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 })).UsePromptOps();
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IChatClient>();
        for (var i = 0; i < 25; i++)
        {
            await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options());
        }

        await host.Services.GetRequiredService<IActivationLog>().RecordAsync(new PromptActivation
        {
            PromptId = "customer-support",
            Environment = "production",
            FromVersion = "2.1.0",
            ToVersion = "2.0.0",
            ActivatedBy = "oncall",
            Timestamp = Day,
            Reason = "rollback",
        });

        await host.StopAsync();
        host.Dispose();

        Assert.Equal(25, temp.Scalar("SELECT COUNT(*) FROM calls"));
        Assert.Equal(250L * 1_000_000_000, temp.Scalar("SELECT SUM(spent_nanousd) FROM spend_ledger"));
        Assert.Equal(1, temp.Scalar("SELECT COUNT(*) FROM spend_budgets WHERE name = 'daily' AND limit_usd = '1000'"));
        var history = await new SqliteActivationLog(new SqliteDatabase(temp.ConnectionString, TimeSpan.FromSeconds(1))).GetHistoryAsync("customer-support", "PRODUCTION");
        Assert.Equal("rollback", Assert.Single(history).Reason);
    }

    private static SqliteSpendLedger Ledger(TempStore temp, TimeProvider? time = null) =>
        new(new SqliteDatabase(temp.ConnectionString, TimeSpan.FromSeconds(5)), time ?? TimeProvider.System);

    private static Pipeline Create(TempStore temp) => Pipeline.Create(
        Fakes.Replying(usage: new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 }, latency: TimeSpan.FromMilliseconds(1)),
        configure: o =>
        {
            SpendPrices.Configure(o);
            o.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = 1000m };

            // This test is about the shared ledger's atomicity, so the ledger must never count as unavailable here: on a
            // loaded test host a write can wait past the 250 ms default for the CPU alone (that case: SqliteStoreFaultTests).
            o.Spending.LedgerTimeout = TimeSpan.FromSeconds(10);
        },
        services: s => s.AddPromptOps().AddSqliteStore(temp.ConnectionString));
}
