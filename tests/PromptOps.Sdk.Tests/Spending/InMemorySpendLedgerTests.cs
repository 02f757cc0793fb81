namespace PromptOps.Tests.Spending;

public class InMemorySpendLedgerTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly SpendBucket Global = new("daily", "*", Day);
    private static readonly SpendBucket User = new("per-user", "alice", Day);

    [Fact]
    public async Task TryReserveAsync_OneClaimOverItsLimit_ReservesInNoBucket()
    {
        var ledger = new InMemorySpendLedger();

        var result = await ledger.TryReserveAsync(new SpendReservationRequest("r1", 6m, [new SpendClaim(Global, 100m), new SpendClaim(User, 5m)], Day.AddHours(1)));

        Assert.Equal((false, 1), (result.Reserved, result.RejectedIndex));
        Assert.Equal(0m, (await ledger.GetAsync(Global)).ReservedUsd);
        Assert.Equal(0m, (await ledger.GetAsync(User)).ReservedUsd);
    }

    [Fact]
    public async Task SettleAsync_ReservedById_ReleasesTheReservationAndCountsTheCost()
    {
        var ledger = new InMemorySpendLedger();
        await ledger.TryReserveAsync(new SpendReservationRequest("r1", 10m, [new SpendClaim(Global, 100m), new SpendClaim(User, null)], Day.AddHours(1)));

        var totals = await ledger.SettleAsync("r1", [Global, User], 7.25m);

        Assert.Equal([new SpendBucketTotal(Global, 7.25m, 0m), new SpendBucketTotal(User, 7.25m, 0m)], totals);
    }

    [Fact]
    public async Task Release_HeldInProcess_ReleasesTheHoldAndReturnsWhatEachBucketSpent()
    {
        var ledger = new InMemorySpendLedger();
        Assert.True(ledger.TryHold([new SpendClaim(Global, 100m), new SpendClaim(User, 50m)], 10m, out var hold).Reserved);
        Assert.Equal(10m, (await ledger.GetAsync(User)).ReservedUsd);
        var spent = new decimal[2];

        ledger.Release(hold!, 3m, spent);

        Assert.Equal([3m, 3m], spent);
        Assert.Equal(new SpendBucketTotal(Global, 3m, 0m), await ledger.GetAsync(Global));
        Assert.Equal(new SpendBucketTotal(User, 3m, 0m), await ledger.GetAsync(User));
    }

    [Fact]
    public async Task Release_BucketDroppedForANewerPeriodWhileHeld_StillCountsTheCost()
    {
        var ledger = new InMemorySpendLedger();
        Assert.True(ledger.TryHold([new SpendClaim(Global, 100m)], 0m, out var hold).Reserved);

        // A call of the next day drops the previous day's buckets that hold no reservation, as this zero-amount hold does.
        Assert.True(ledger.TryHold([new SpendClaim(Global with { PeriodStart = Day.AddDays(1) }, 100m)], 1m, out _).Reserved);
        var spent = new decimal[1];
        ledger.Release(hold!, 2m, spent);

        Assert.Equal(2m, spent[0]);
        Assert.Equal(2m, (await ledger.GetAsync(Global)).SpentUsd);
    }

    [Fact]
    public async Task TryHold_ManyParallelCallersAgainstOneLimit_NeverOverspends()
    {
        var ledger = new InMemorySpendLedger();
        var held = 0;

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
        {
            var spent = new decimal[1];
            for (var i = 0; i < 1_000; i++)
            {
                if (ledger.TryHold([new SpendClaim(Global, 500m)], 1m, out var hold).Reserved)
                {
                    Interlocked.Increment(ref held);
                    ledger.Release(hold!, 1m, spent);
                }
            }
        })));

        var total = await ledger.GetAsync(Global);
        Assert.Equal(500, held);
        Assert.Equal(new SpendBucketTotal(Global, 500m, 0m), total);
    }
}
