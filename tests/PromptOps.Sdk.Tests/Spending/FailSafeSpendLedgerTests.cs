using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PromptOps.Tests.Spending;

public sealed class FailSafeSpendLedgerTests
{
    [Fact]
    public async Task SettleAsync_PerUserBudgetOverManyDays_KeepsOnlyTheCurrentPeriodsBuckets()
    {
        // A generous timeout: this test is about memory, and a loaded test host must not send it into degraded mode.
        var options = new PromptOpsOptions();
        options.Spending.LedgerTimeout = TimeSpan.FromSeconds(30);
        var ledger = new FailSafeSpendLedger(new InMemorySpendLedger(), new StaticMonitor(options), TimeProvider.System, NullLogger.Instance);
        var day = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        for (var d = 0; d < 5; d++)
        {
            for (var user = 0; user < 3_000; user++)
            {
                var bucket = new SpendBucket("per-user", $"u{user}", day.AddDays(d));
                var id = $"r{d}-{user}";
                Assert.True((await ledger.TryReserveAsync(new SpendReservationRequest(id, 1m, [new SpendClaim(bucket, 10m)], day.AddDays(d + 1)))).Reserved);
                await ledger.SettleAsync(id, [bucket], 0.5m);
            }
        }

        // 15,000 buckets were used; the past days' ones are forgotten as the periods move on.
        Assert.False(ledger.IsDegraded);
        Assert.InRange(ledger.TrackedBuckets, 3_000, 3_000 + 4_096);
    }

    private sealed class StaticMonitor(PromptOpsOptions value) : IOptionsMonitor<PromptOpsOptions>
    {
        public PromptOpsOptions CurrentValue => value;

        public PromptOpsOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PromptOpsOptions, string?> listener) => null;
    }
}
