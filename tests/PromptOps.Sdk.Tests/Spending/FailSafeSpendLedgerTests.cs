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

    [Fact]
    public async Task ReconcileAsync_CallLetThroughWhileTheLedgerWasDownStillRunning_TheLedgerCountsItForOtherProcesses()
    {
        var (shared, flaky, here) = LedgerDownBehindFailSafe(TimeSpan.FromSeconds(30));

        Assert.True((await here.TryReserveAsync(Request("here-1", 6m))).Reserved, "The process did not enforce locally while the ledger was down.");
        Assert.True(here.IsDegraded);
        flaky.Available = true;
        Assert.True(await here.ReconcileAsync());

        // Another process sharing the ledger must see the $6 still in flight here: $6 more would overspend the $10.
        Assert.False((await shared.TryReserveAsync(Request("there-1", 6m))).Reserved, "The ledger let another process spend money this process had already let through.");
        Assert.False(here.IsDegraded);

        await here.SettleAsync("here-1", [Bucket], 6m);
        var total = await shared.GetAsync(Bucket);
        Assert.Equal((6m, 0m), (total.SpentUsd, total.ReservedUsd));
        Assert.True((await shared.TryReserveAsync(Request("there-2", 4m))).Reserved);
    }

    [Fact]
    public async Task SettleAsync_CallEndsWhileItsHandOverIsSlow_TheLedgerHoldsNothingAfterwardsAndTheProcessRecovers()
    {
        var (shared, flaky, here) = LedgerDownBehindFailSafe(TimeSpan.FromMilliseconds(100));

        Assert.True((await here.TryReserveAsync(Request("here-1", 6m))).Reserved);

        // The hand-over of the call let through meanwhile (by this reconciliation or a background one) reaches the ledger
        // only after the call has ended and settled.
        var gate = flaky.HoldReservations();
        flaky.Available = true;
        var reconciling = here.ReconcileAsync();
        await flaky.ReservationWaiting.WaitAsync(TimeSpan.FromSeconds(30));
        await here.SettleAsync("here-1", [Bucket], 6m);
        gate.SetResult();
        Assert.True(await reconciling, "The reconciliation did not finish after the hand-over arrived late.");

        var total = await shared.GetAsync(Bucket);
        Assert.Equal((6m, 0m), (total.SpentUsd, total.ReservedUsd)); // no reservation left holding the other $4
        Assert.True(await here.ReconcileAsync()); // a background reconciliation may still be ending
        Assert.False(here.IsDegraded);
        Assert.True((await here.TryReserveAsync(Request("here-2", 4m))).Reserved);
        Assert.Equal(4m, (await shared.GetAsync(Bucket)).ReservedUsd); // decided by the ledger again, not in the process
    }

    [Fact]
    public async Task SettleAsync_StoreReplacedAndACallSettlesWhileTheLostSpendIsRestored_AddsItBackOnce()
    {
        var options = new PromptOpsOptions();
        options.Spending.LedgerTimeout = TimeSpan.FromSeconds(30);
        var store = new ReplaceableLedger();
        var here = new FailSafeSpendLedger(store, new StaticMonitor(options), TimeProvider.System, NullLogger.Instance);
        await SpendAsync(here, "a", 6m);

        // The store is deleted: the next settlement finds $6 missing and queues it to be added back. Its hand-over reaches the
        // store, but its answer is held back until another call has settled and seen a total that already includes it.
        store.Replace();
        var gate = store.HoldRestores();
        await SpendAsync(here, "b", 1m);
        await store.RestoreApplied.WaitAsync(TimeSpan.FromSeconds(30));
        await SpendAsync(here, "c", 1m);
        gate.SetResult();
        Assert.True(await here.ReconcileAsync());

        Assert.Equal(8m, (await store.GetAsync(Bucket)).SpentUsd); // $6 + $1 + $1: the lost $6 added back once, not twice
    }

    private static async Task SpendAsync(FailSafeSpendLedger ledger, string id, decimal usd)
    {
        Assert.True((await ledger.TryReserveAsync(Request(id, usd))).Reserved);
        await ledger.SettleAsync(id, [Bucket], usd);
    }

    private static readonly SpendBucket Bucket = new("daily", "*", new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero));

    private static SpendReservationRequest Request(string id, decimal usd) => new(id, usd, [new SpendClaim(Bucket, 10m)], DateTimeOffset.UtcNow.AddMinutes(10));

    /// <summary>A shared ledger, currently unavailable, behind one process's fail-safe front.</summary>
    private static (InMemorySpendLedger Shared, SwitchableLedger Flaky, FailSafeSpendLedger Here) LedgerDownBehindFailSafe(TimeSpan ledgerTimeout)
    {
        var options = new PromptOpsOptions();
        options.Spending.LedgerTimeout = ledgerTimeout;
        var shared = new InMemorySpendLedger();
        var flaky = new SwitchableLedger(shared) { Available = false };
        return (shared, flaky, new FailSafeSpendLedger(flaky, new StaticMonitor(options), TimeProvider.System, NullLogger.Instance));
    }

    /// <summary>A ledger that can be made unavailable, as a locked or missing store is.</summary>
    private sealed class SwitchableLedger(ISpendLedger inner) : ISpendLedger
    {
        public bool Available { get; set; } = true;

        private TaskCompletionSource? _reservationGate;
        private readonly TaskCompletionSource _reservationWaiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Gets a task that completes when a reservation waits at the gate <see cref="HoldReservations"/> set.</summary>
        public Task ReservationWaiting => _reservationWaiting.Task;

        /// <summary>Makes reservations wait until the returned source is completed, as a slow store does.</summary>
        public TaskCompletionSource HoldReservations() => _reservationGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<SpendReservationResult> TryReserveAsync(SpendReservationRequest request, CancellationToken cancellationToken = default)
        {
            if (!Available)
            {
                throw Down();
            }

            if (_reservationGate is { } gate)
            {
                _reservationWaiting.TrySetResult();
                await gate.Task;
            }

            return await inner.TryReserveAsync(request, cancellationToken);
        }

        public ValueTask<IReadOnlyList<SpendBucketTotal>> SettleAsync(string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd, CancellationToken cancellationToken = default) =>
            Available ? inner.SettleAsync(reservationId, buckets, actualCostUsd, cancellationToken) : throw Down();

        public ValueTask<bool> TryRecordAlertAsync(SpendBucket bucket, double threshold, CancellationToken cancellationToken = default) =>
            Available ? inner.TryRecordAlertAsync(bucket, threshold, cancellationToken) : throw Down();

        public ValueTask<SpendBucketTotal> GetAsync(SpendBucket bucket, CancellationToken cancellationToken = default) =>
            Available ? inner.GetAsync(bucket, cancellationToken) : throw Down();

        private static IOException Down() => new("The store file is locked.");
    }

    /// <summary>A store that can be replaced by an empty one (a deleted file), and can hold back the answer to a restore.</summary>
    private sealed class ReplaceableLedger : ISpendLedger
    {
        private readonly TaskCompletionSource _restoreApplied = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private InMemorySpendLedger _inner = new();
        private TaskCompletionSource? _restoreGate;

        /// <summary>Gets a task that completes when a restore reached the store and waits at the gate.</summary>
        public Task RestoreApplied => _restoreApplied.Task;

        public void Replace() => _inner = new InMemorySpendLedger();

        public TaskCompletionSource HoldRestores() => _restoreGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<SpendReservationResult> TryReserveAsync(SpendReservationRequest request, CancellationToken cancellationToken = default) => _inner.TryReserveAsync(request, cancellationToken);

        public async ValueTask<IReadOnlyList<SpendBucketTotal>> SettleAsync(string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd, CancellationToken cancellationToken = default)
        {
            var totals = await _inner.SettleAsync(reservationId, buckets, actualCostUsd, cancellationToken);
            if (reservationId.StartsWith("restore-", StringComparison.Ordinal) && _restoreGate is { } gate)
            {
                _restoreApplied.TrySetResult();
                await gate.Task;
            }

            return totals;
        }

        public ValueTask<bool> TryRecordAlertAsync(SpendBucket bucket, double threshold, CancellationToken cancellationToken = default) => _inner.TryRecordAlertAsync(bucket, threshold, cancellationToken);

        public ValueTask<SpendBucketTotal> GetAsync(SpendBucket bucket, CancellationToken cancellationToken = default) => _inner.GetAsync(bucket, cancellationToken);
    }

    private sealed class StaticMonitor(PromptOpsOptions value) : IOptionsMonitor<PromptOpsOptions>
    {
        public PromptOpsOptions CurrentValue => value;

        public PromptOpsOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PromptOpsOptions, string?> listener) => null;
    }
}
