using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace PromptOps.Tests.PostgreSql;

public sealed class PostgreSqlSpendLedgerTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly SpendBucket Daily = new("daily", "*", Day);

    [Fact]
    public async Task SettleAsync_AfterARestart_TheNewInstanceSeesWhatWasSpent()
    {
        await using var pg = await PgStore.CreateAsync();
        await using (var first = Ledger(pg))
        {
            Assert.True((await first.TryReserveAsync(Request("r1", 10m, 100m))).Reserved);
            await first.SettleAsync("r1", [Daily], 7.25m);
            Assert.True(await first.TryRecordAlertAsync(Daily, 0.5));
        }

        await using var restarted = Ledger(pg);
        var total = await restarted.GetAsync(Daily);

        Assert.Equal(7.25m, total.SpentUsd);
        Assert.Equal(0m, total.ReservedUsd);
        Assert.False(await restarted.TryRecordAlertAsync(Daily, 0.5));
        Assert.Equal(0, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.spend_leases"));
    }

    [Fact]
    public async Task TryReserveAsync_OneClaimOverItsLimit_ReservesInNoBucket()
    {
        await using var pg = await PgStore.CreateAsync();
        await using var ledger = Ledger(pg);
        var user = new SpendBucket("per-user", "alice", Day);

        var result = await ledger.TryReserveAsync(new SpendReservationRequest("r1", 6m, [new SpendClaim(Daily, 100m), new SpendClaim(user, 5m)], Day.AddHours(1)));

        Assert.False(result.Reserved);
        Assert.Equal(1, result.RejectedIndex);
        Assert.Equal(0, ledger.Inspect(Daily).Reserved);
        Assert.True((await ledger.TryReserveAsync(new SpendReservationRequest("r2", 5m, [new SpendClaim(Daily, 100m), new SpendClaim(user, 5m)], Day.AddHours(1)))).Reserved);
    }

    [Fact]
    public async Task TryReserveAsync_EightInstancesWithFiftyConcurrentCallsEach_NeverSpendMoreThanTheLimitTogether()
    {
        await using var pg = await PgStore.CreateAsync();
        var ledgers = Enumerable.Range(0, 8).Select(_ => Ledger(pg)).ToList();

        // As each application's host does when it starts: the schema is brought up to date before the first call.
        await Task.WhenAll(ledgers.Select(l => l.Database.EnsureSchemaAsync().AsTask()));
        var succeeded = 0;
        try
        {
            // 400 calls of $1 against $100: whatever the interleaving, at most 100 may run.
            await Task.WhenAll(ledgers.SelectMany((ledger, i) => Enumerable.Range(0, 50).Select(c => Task.Run(async () =>
            {
                var id = $"i{i}-c{c}";
                var result = await ledger.TryReserveAsync(Request(id, 1m, 100m));
                if (result.Reserved)
                {
                    Interlocked.Increment(ref succeeded);
                    await Task.Delay(Random.Shared.Next(1, 5));
                    await ledger.SettleAsync(id, [Daily], 1m);
                }
            }))));
        }
        finally
        {
            foreach (var ledger in ledgers)
            {
                await ledger.DisposeAsync();
            }
        }

        output.WriteLine($"{succeeded} of the 100 calls the budget allows ran; {400 - succeeded} were refused.");
        Assert.InRange(succeeded, 90, 100);
        Assert.Equal(succeeded * 1_000_000_000L, await pg.ScalarAsync("SELECT spent_nanousd FROM promptops.spend_ledger"));
        Assert.Equal(0, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.spend_leases"));
    }

    [Fact]
    public async Task TryReserveAsync_BudgetNearItsLimit_AnIdleInstanceGivesBackWhatItDoesNotUse()
    {
        await using var pg = await PgStore.CreateAsync();
        await using var first = Ledger(pg);
        await using var second = Ledger(pg);

        Assert.True((await first.TryReserveAsync(Request("a1", 1m, 10m))).Reserved);
        await first.SettleAsync("a1", [Daily], 1m);
        await WaitUntilAsync(() => first.Inspect(Daily) is { Leased: 0, Unflushed: 0 });

        var granted = 0;
        for (var i = 0; i < 12; i++)
        {
            if ((await second.TryReserveAsync(Request($"b{i}", 1m, 10m))).Reserved)
            {
                granted++;
                await second.SettleAsync($"b{i}", [Daily], 1m);
            }
        }

        Assert.Equal(9, granted);
    }

    [Fact]
    public async Task TryReserveAsync_LeaseOfAnInstanceThatDied_IsReclaimedWhenItExpires()
    {
        await using var pg = await PgStore.CreateAsync();
        await using var survivor = Ledger(pg);
        Assert.True((await survivor.TryReserveAsync(Request("warm-up", 0.01m, 100m))).Reserved);
        await survivor.SettleAsync("warm-up", [Daily], 0m);

        // What a killed instance leaves behind: a lease of $60 that nobody renews, expiring in two seconds.
        await pg.ExecuteAsync("INSERT INTO promptops.spend_leases VALUES ('daily', '*', '2026-11-23T00:00:00Z', 'killed/1/x', 60000000000, now() + interval '2 seconds');");

        Assert.False((await survivor.TryReserveAsync(Request("big", 50m, 100m))).Reserved);
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.True((await survivor.TryReserveAsync(Request("big-again", 50m, 100m))).Reserved);
        Assert.Equal(0, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.spend_leases WHERE instance_id = 'killed/1/x'"));
    }

    [Fact]
    public async Task TryReserveAsync_ReservationNeverSettled_IsReleasedWhenItExpires()
    {
        await using var pg = await PgStore.CreateAsync();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var ledger = new PostgreSqlSpendLedger(pg.OpenDatabase(), TimeSpan.FromSeconds(3), new Monitor(new PromptOpsOptions()), time);
        Assert.True((await ledger.TryReserveAsync(new SpendReservationRequest("lost", 90m, [new SpendClaim(Daily, 100m)], time.GetUtcNow().AddMinutes(30)))).Reserved);
        Assert.False((await ledger.TryReserveAsync(new SpendReservationRequest("r2", 20m, [new SpendClaim(Daily, 100m)], time.GetUtcNow().AddMinutes(30)))).Reserved);

        time.Advance(TimeSpan.FromMinutes(31));
        await WaitUntilAsync(() => ledger.Inspect(Daily).Reserved == 0);

        Assert.True((await ledger.TryReserveAsync(new SpendReservationRequest("r3", 20m, [new SpendClaim(Daily, 100m)], time.GetUtcNow().AddMinutes(30)))).Reserved);
    }

    [Fact]
    public async Task TryRecordAlertAsync_ThreeInstancesCrossTheSameThreshold_OnlyOneFiresIt()
    {
        await using var pg = await PgStore.CreateAsync();
        var ledgers = Enumerable.Range(0, 3).Select(_ => Ledger(pg)).ToList();

        var fired = await Task.WhenAll(ledgers.Select(l => l.TryRecordAlertAsync(Daily, 0.9).AsTask()));

        Assert.Single(fired, f => f);
        foreach (var ledger in ledgers)
        {
            await ledger.DisposeAsync();
        }
    }

    [Fact]
    public async Task SettleAsync_ManyCallsInOneInstance_ReachesTheDatabaseWithoutARoundTripPerCall()
    {
        await using var pg = await PgStore.CreateAsync();
        await using var ledger = Ledger(pg);
        for (var i = 0; i < 200; i++)
        {
            Assert.True((await ledger.TryReserveAsync(Request($"c{i}", 0.01m, 1000m))).Reserved);
            await ledger.SettleAsync($"c{i}", [Daily], 0.005m);
        }

        await WaitUntilAsync(() => ledger.Inspect(Daily).Unflushed == 0);

        // A slice is sixteen calls' worth: the first lease and at most one more per sixteen calls.
        Assert.InRange(ledger.Waits, 1, 200 / 16 + 1);
        Assert.Equal(1_000_000_000L, await pg.ScalarAsync("SELECT spent_nanousd FROM promptops.spend_ledger"));
        var total = await ledger.GetAsync(Daily);
        Assert.Equal(1m, total.SpentUsd);
    }

    /// <summary>
    /// A ledger as an instance has it, but patient: these tests assert what is granted, not how fast, and a cold first
    /// exchange on a loaded CI machine can outlast the 250 ms production wait (an application warms its ledger at start).
    /// </summary>
    private static PostgreSqlSpendLedger Ledger(PgStore pg, TimeSpan? lease = null) =>
        new(pg.OpenDatabase(), lease ?? TimeSpan.FromSeconds(30), new Monitor(Patient()), TimeProvider.System);

    private static PromptOpsOptions Patient()
    {
        var options = new PromptOpsOptions();
        options.Spending.LedgerTimeout = TimeSpan.FromSeconds(5);
        return options;
    }

    private static SpendReservationRequest Request(string id, decimal amount, decimal limit) =>
        new(id, amount, [new SpendClaim(Daily, limit)], DateTimeOffset.UtcNow.AddMinutes(30));

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition(), "The condition did not hold within 10 seconds.");
    }

    internal sealed class Monitor(PromptOpsOptions value) : IOptionsMonitor<PromptOpsOptions>
    {
        public PromptOpsOptions CurrentValue => value;

        public PromptOpsOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PromptOpsOptions, string?> listener) => null;
    }
}
