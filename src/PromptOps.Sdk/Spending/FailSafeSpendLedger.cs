using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>
/// Stands in front of a shared ledger (the SQLite store, later PostgreSQL) so that spend budgets fail safe without stalling
/// calls: no call waits longer than <see cref="PromptOpsSpendingOptions.LedgerTimeout"/> for a ledger that answers nobody
/// (at most <see cref="MaxBusyWaits"/> times that for one busy answering this process's other calls); while the ledger
/// cannot answer, budgets are enforced in this process from the totals it last saw (plus what it has spent and holds
/// since); and every cost settled meanwhile is kept and added to the ledger, once, when it answers again.
/// </summary>
/// <remarks>
/// <para>The process keeps, per bucket, the spent total the ledger last reported (fleet-wide), the costs it settled that the
/// ledger has not received yet, and the worst cases of its own calls in flight. While the ledger is unavailable a
/// reservation fits when those three plus the call's worst case stay within the limit. What other processes spend during
/// the outage is not visible here: the documented worst case is that each instance spends up to what was left when it
/// last heard from the ledger.</para>
/// <para>A spent total that goes down (a deleted or replaced store) is restored from what the process knew, so a period's
/// spend is not forgotten. Thread-safe.</para>
/// </remarks>
internal sealed partial class FailSafeSpendLedger : ISpendLedger, IAsyncDisposable
{
    /// <summary>How often, at most, calls in degraded mode start a background attempt to reach the ledger again.</summary>
    internal static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    /// <summary>How many timeouts a call waits for a ledger that keeps answering other calls meanwhile.</summary>
    internal const int MaxBusyWaits = 4;

    /// <summary>How many times one reconciliation hands over the local holds made meanwhile before leaving it to the next probe.</summary>
    private const int MaxHandOverPasses = 8;

    private const int PruneEvery = 4_096;
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly ISpendLedger _ledger;
    private readonly IOptionsMonitor<PromptOpsOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<SpendBucket, LocalTotals> _buckets = [];
    private readonly Dictionary<string, DateTimeOffset> _latestPeriod = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InFlight> _inFlight = new(StringComparer.Ordinal);
    private int _localOnlyHolds;
    private readonly Queue<PendingSettlement> _pending = new();
    private readonly ConcurrentDictionary<(SpendBucket Bucket, double Threshold), byte> _localAlerts = new();
    private readonly SemaphoreSlim _reconciling = new(1, 1);
    private volatile bool _degraded;
    private int _pendingCount;
    private int _lateSettlements;
    private long _lastAnswer;
    private long _nextProbe;
    private int _createdSincePrune;
    private Exception? _lastFailure;

    public FailSafeSpendLedger(ISpendLedger ledger, IOptionsMonitor<PromptOpsOptions> options, TimeProvider timeProvider, ILogger logger)
    {
        _ledger = ledger;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Gets whether the ledger is unavailable (or has costs still to receive) and budgets are enforced in this process.</summary>
    public bool IsDegraded => _degraded;

    /// <summary>Gets how many settled calls wait to be added to the ledger.</summary>
    public int PendingSettlements
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Gets how many buckets the process keeps totals for.</summary>
    internal int TrackedBuckets
    {
        get
        {
            lock (_lock)
            {
                return _buckets.Count;
            }
        }
    }

    private PromptOpsSpendingOptions Spending => _options.CurrentValue.Spending;

    public async ValueTask<SpendReservationResult> TryReserveAsync(SpendReservationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Costs the ledger has not received yet would be invisible to it: until they are handed over, this process decides.
        // Nor can it see the calls this process let through on its own and that are still running: until they are settled or
        // handed to the ledger as reservations of their own, the ledger would let others spend their money.
        if (!_degraded && Volatile.Read(ref _pendingCount) == 0 && Volatile.Read(ref _lateSettlements) == 0 && Volatile.Read(ref _localOnlyHolds) == 0)
        {
            var (answered, result, failure, _) = await CallAsync(() => _ledger.TryReserveAsync(request, CancellationToken.None)).ConfigureAwait(false);
            if (answered)
            {
                lock (_lock)
                {
                    if (result!.Reserved)
                    {
                        Hold(request.ReservationId, request.Claims, request.AmountUsd, localOnly: false);
                    }
                    else
                    {
                        Know(request.Claims[result.RejectedIndex].Bucket, result.SpentUsd);
                    }
                }

                return result!;
            }

            Degrade(failure!);

            // The ledger may still take the reservation after the timeout; the settlement (by the same id) releases it.
        }

        ProbeSoon();

        // While settlements wait to be handed over the ledger answers, so budgets are enforced here whatever the mode.
        return ReserveLocally(request, _degraded ? Spending.OnLedgerFailure : SpendLedgerFailureMode.EnforceLocally);
    }

    public async ValueTask<IReadOnlyList<SpendBucketTotal>> SettleAsync(string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        Task? handingOver = null;
        lock (_lock)
        {
            if (_inFlight.TryGetValue(reservationId, out var held))
            {
                // From here on no hand-over starts for it: one that began after this settlement reached the ledger would
                // leave a reservation there that nothing releases.
                held.Settling = true;
                handingOver = held.HandOver;
            }
        }

        if (handingOver is not null)
        {
            // The reservation is being handed to the ledger: settle after it is there, so the settlement releases it. The
            // wait is bounded like any ledger call; past it, a reservation that arrives later holds budget until it expires.
            try
            {
                await handingOver.WaitAsync(Spending.LedgerTimeout, _timeProvider, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        if (!_degraded)
        {
            // Totals the ledger reported before this settlement was sent: it cannot report less afterwards unless it lost data.
            var before = new decimal[buckets.Count];
            lock (_lock)
            {
                for (var i = 0; i < before.Length; i++)
                {
                    before[i] = Totals(buckets[i]).KnownSpent;
                }
            }

            var (answered, totals, failure, late) = await CallAsync(() => _ledger.SettleAsync(reservationId, buckets, actualCostUsd, CancellationToken.None)).ConfigureAwait(false);
            if (answered)
            {
                var lost = new List<(SpendBucket Bucket, decimal Usd)>();
                lock (_lock)
                {
                    Release(reservationId);
                    for (var i = 0; i < totals!.Count; i++)
                    {
                        KnowSettled(buckets[i], before[i] + actualCostUsd, totals[i].SpentUsd, lost);
                    }
                }

                foreach (var (bucket, usd) in lost)
                {
                    Restore(bucket, usd);
                }

                return totals!;
            }

            Degrade(failure!);
            if (late is not null)
            {
                // Still running: it may yet reach the ledger. Count the cost here until it is known whether it did.
                var counted = SettleLocally(reservationId, buckets, actualCostUsd, queue: false);
                lock (_lock)
                {
                    _lateSettlements++;
                }

                _ = late.ContinueWith(t => CompleteLate(t, reservationId, buckets, actualCostUsd), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                return counted;
            }
        }

        ProbeSoon();
        return SettleLocally(reservationId, buckets, actualCostUsd, queue: true);
    }

    /// <summary>Counts a settlement in the process; <paramref name="queue"/> also queues it for the ledger.</summary>
    private SpendBucketTotal[] SettleLocally(string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd, bool queue)
    {
        lock (_lock)
        {
            Release(reservationId);
            var result = new SpendBucketTotal[buckets.Count];
            for (var i = 0; i < buckets.Count; i++)
            {
                var local = Totals(buckets[i]);
                local.Unreconciled += actualCostUsd;
                result[i] = new SpendBucketTotal(buckets[i], local.KnownSpent + local.Unreconciled, local.Held);
            }

            if (queue)
            {
                Enqueue(new PendingSettlement(reservationId, [.. buckets], actualCostUsd));
            }

            return result;
        }
    }

    /// <summary>A settlement that outlived its timeout ended: if it reached the ledger it is done, else it is queued.</summary>
    private void CompleteLate(Task<IReadOnlyList<SpendBucketTotal>> settlement, string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd)
    {
        lock (_lock)
        {
            _lateSettlements--;
            if (settlement.IsCompletedSuccessfully)
            {
                for (var i = 0; i < buckets.Count; i++)
                {
                    Totals(buckets[i]).Unreconciled -= actualCostUsd;
                    Know(buckets[i], settlement.Result[i].SpentUsd);
                }

                return;
            }

            Enqueue(new PendingSettlement(reservationId, [.. buckets], actualCostUsd));
        }

        ProbeSoon(force: true);
    }

    public async ValueTask<bool> TryRecordAlertAsync(SpendBucket bucket, double threshold, CancellationToken cancellationToken = default)
    {
        if (!_degraded)
        {
            var (answered, first, failure, _) = await CallAsync(() => _ledger.TryRecordAlertAsync(bucket, threshold, CancellationToken.None)).ConfigureAwait(false);
            if (answered)
            {
                return first;
            }

            Degrade(failure!);
        }

        // Unavailable: fire once per process rather than not at all.
        return _localAlerts.TryAdd((bucket, threshold), 0);
    }

    public async ValueTask<SpendBucketTotal> GetAsync(SpendBucket bucket, CancellationToken cancellationToken = default)
    {
        if (!_degraded)
        {
            var (answered, total, failure, _) = await CallAsync(() => _ledger.GetAsync(bucket, CancellationToken.None)).ConfigureAwait(false);
            if (answered)
            {
                return total;
            }

            Degrade(failure!);
        }

        lock (_lock)
        {
            var local = Totals(bucket);
            return new SpendBucketTotal(bucket, local.KnownSpent + local.Unreconciled, local.Held);
        }
    }

    /// <summary>Adds every waiting settlement to the ledger, in order; leaves degraded mode when none is left.</summary>
    /// <returns>Whether the ledger received all of them.</returns>
    public async Task<bool> ReconcileAsync(CancellationToken cancellationToken = default)
    {
        await _reconciling.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var added = 0;
            var handOverPasses = 0;
            while (true)
            {
                PendingSettlement? next;
                lock (_lock)
                {
                    _pending.TryPeek(out next);
                }

                if (next is null)
                {
                    if (_degraded && added == 0 && !await ProbeAsync().ConfigureAwait(false))
                    {
                        return false;
                    }

                    // Under steady traffic, calls keep reserving locally while earlier ones are handed over: a few passes
                    // per run, then the next probe goes on, rather than holding the reconciliation open.
                    if (++handOverPasses > MaxHandOverPasses || !await HandOverLocalHoldsAsync().ConfigureAwait(false))
                    {
                        return false;
                    }

                    // A settlement still running past its timeout either lands or queues itself: know which before answering.
                    if (!await LateSettlementsEndedAsync(Spending.LedgerTimeout * MaxBusyWaits).ConfigureAwait(false))
                    {
                        return false;
                    }

                    lock (_lock)
                    {
                        // Leave degraded mode only with nothing left to hand over (a settlement or a local hold may have
                        // been added meanwhile).
                        if (_pending.Count == 0 && _localOnlyHolds == 0)
                        {
                            break;
                        }
                    }

                    continue;
                }

                // What the ledger reported before this settlement is sent: afterwards it cannot report less than that plus
                // the cost unless it lost data. Read now, not after the answer: a call settled meanwhile may already have
                // taught this process a total that includes this settlement, which would look like a loss.
                var before = new decimal[next.Buckets.Length];
                lock (_lock)
                {
                    for (var i = 0; i < before.Length; i++)
                    {
                        before[i] = Totals(next.Buckets[i]).KnownSpent;
                    }
                }

                IReadOnlyList<SpendBucketTotal> totals;
                try
                {
                    totals = await _ledger.SettleAsync(next.ReservationId, next.Buckets, next.CostUsd, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    LogReconcileFailed(_logger, ex, PendingSettlements);
                    return false;
                }

                var lost = new List<(SpendBucket Bucket, decimal Usd)>();
                lock (_lock)
                {
                    _pending.Dequeue();
                    Volatile.Write(ref _pendingCount, _pending.Count);
                    for (var i = 0; i < next.Buckets.Length; i++)
                    {
                        Totals(next.Buckets[i]).Unreconciled -= next.CostUsd;
                        KnowSettled(next.Buckets[i], before[i] + next.CostUsd, totals[i].SpentUsd, lost);
                    }
                }

                foreach (var (bucket, usd) in lost)
                {
                    Restore(bucket, usd);
                }

                added++;
            }

            if (_degraded)
            {
                _degraded = false;
                LogRecovered(_logger, _ledger.GetType().Name, added);
            }

            Prune();
            return true;
        }
        finally
        {
            _reconciling.Release();
        }
    }

    /// <summary>Asks the ledger for its write lock without changing anything: a settlement of nothing.</summary>
    private async ValueTask<bool> ProbeAsync()
    {
        try
        {
            await _ledger.SettleAsync("promptops-probe", [], 0m, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false; // still unavailable; the episode was logged when it began
        }
    }

    public async ValueTask DisposeAsync()
    {
        // One shutdown budget for both: settlements still running, then handing the ledger what is queued.
        using var timeout = new CancellationTokenSource(ShutdownTimeout);
        await LateSettlementsEndedAsync(ShutdownTimeout).ConfigureAwait(false);
        if (PendingSettlements == 0)
        {
            return;
        }

        try
        {
            if (await ReconcileAsync(timeout.Token).ConfigureAwait(false))
            {
                return;
            }
        }
        catch (OperationCanceledException)
        {
        }

        LogLostAtShutdown(_logger, PendingSettlements, _ledger.GetType().Name);
    }

    /// <summary>Waits, at most <paramref name="limit"/>, until every settlement that outlived its timeout has ended.</summary>
    /// <returns>Whether none is still running.</returns>
    private async ValueTask<bool> LateSettlementsEndedAsync(TimeSpan limit)
    {
        var started = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref _lateSettlements) > 0)
        {
            if (Stopwatch.GetElapsedTime(started) >= limit)
            {
                return false;
            }

            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Runs one ledger operation off the caller's thread and waits for it at most the configured timeout.</summary>
    /// <returns>
    /// The value when the ledger answered in time; otherwise the failure, and the operation itself when it is still
    /// running (it may yet succeed: a settlement that does must not be handed over a second time).
    /// </returns>
    private async ValueTask<(bool Answered, T? Value, Exception? Failure, Task<T>? Late)> CallAsync<T>(Func<ValueTask<T>> operation)
    {
        // Ledgers such as SQLite's block their thread while the file is busy: run them on the pool so the wait is bounded.
        var task = Task.Run(async () => await operation().ConfigureAwait(false), CancellationToken.None);
        var timeout = Spending.LedgerTimeout;
        for (var wait = 1; ; wait++)
        {
            try
            {
                // The caller's token is not observed here: a reservation abandoned mid-wait would still be made and hold
                // budget until it expired. The wait is bounded by the timeout; the call observes cancellation after it.
                var value = await task.WaitAsync(timeout, _timeProvider, CancellationToken.None).ConfigureAwait(false);
                Volatile.Write(ref _lastAnswer, _timeProvider.GetTimestamp());
                return (true, value, null, null);
            }
            catch (TimeoutException ex)
            {
                // A ledger that answered another call within the timeout is busy, not gone (several processes contending
                // for SQLite's write lock): keep waiting, up to MaxBusyWaits timeouts. Deciding locally while it still
                // serves the others is what would let a fleet overspend.
                if (wait < MaxBusyWaits && _timeProvider.GetElapsedTime(Volatile.Read(ref _lastAnswer)) < timeout)
                {
                    continue;
                }

                _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                return (false, default, new TimeoutException($"The spend ledger did not answer within {(timeout * wait).TotalMilliseconds:N0} ms (PromptOps:Spending:LedgerTimeout).", ex), task);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                return (false, default, ex, null);
            }
        }
    }

    private SpendReservationResult ReserveLocally(SpendReservationRequest request, SpendLedgerFailureMode mode)
    {
        switch (mode)
        {
            case SpendLedgerFailureMode.Block:
                var failure = Volatile.Read(ref _lastFailure) ?? new TimeoutException("The spend ledger has not answered yet.");
                throw new SpendBudgetExceededException(
                    $"The spend ledger ({_ledger.GetType().Name}) is unavailable ({failure.Message.TrimEnd('.')}) and PromptOps:Spending:OnLedgerFailure is Block, so the call was refused. Fix the ledger (for example the SQLite file's lock, permissions or disk space), or set OnLedgerFailure to EnforceLocally to keep enforcing budgets from the totals this process knows.",
                    failure);
            case SpendLedgerFailureMode.Allow:
                lock (_lock)
                {
                    Hold(request.ReservationId, request.Claims, request.AmountUsd, localOnly: true);
                    return SpendReservationResult.Success;
                }
        }

        lock (_lock)
        {
            for (var i = 0; i < request.Claims.Count; i++)
            {
                if (request.Claims[i].LimitUsd is not { } limit)
                {
                    continue;
                }

                var local = Totals(request.Claims[i].Bucket);
                var spent = local.KnownSpent + local.Unreconciled;
                if (spent + local.Held + request.AmountUsd > limit)
                {
                    return new SpendReservationResult(false, i, spent, local.Held);
                }
            }

            Hold(request.ReservationId, request.Claims, request.AmountUsd, localOnly: true);
            return SpendReservationResult.Success;
        }
    }

    /// <summary>Holds a reservation in the process; <paramref name="localOnly"/>: the ledger does not know it (call under the lock).</summary>
    private void Hold(string id, IReadOnlyList<SpendClaim> claims, decimal amount, bool localOnly)
    {
        var buckets = new SpendBucket[claims.Count];
        for (var i = 0; i < claims.Count; i++)
        {
            buckets[i] = claims[i].Bucket;
            Totals(buckets[i]).Held += amount;
        }

        _inFlight[id] = new InFlight(buckets, amount) { LocalOnly = localOnly };
        if (localOnly)
        {
            _localOnlyHolds++;
        }
    }

    private void Release(string id)
    {
        if (_inFlight.Remove(id, out var held))
        {
            foreach (var bucket in held.Buckets)
            {
                Totals(bucket).Held -= held.Amount;
            }

            if (held.LocalOnly)
            {
                _localOnlyHolds--;
            }
        }
    }

    /// <summary>
    /// Hands the ledger, as reservations of their own (without a limit: they are already let through), the calls this
    /// process reserved on its own and that are still running, so that the ledger counts them before it decides for others.
    /// </summary>
    /// <returns>Whether the ledger took all of them.</returns>
    private async ValueTask<bool> HandOverLocalHoldsAsync()
    {
        List<string> ids;
        lock (_lock)
        {
            ids = [.. _inFlight.Where(h => h.Value.LocalOnly).Select(h => h.Key)];
        }

        foreach (var id in ids)
        {
            InFlight? held;
            var handOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                // Being settled (its cost is counted or queued, or soon will be), or handed over by another pass: skip.
                if (!_inFlight.TryGetValue(id, out held) || !held.LocalOnly || held.Settling || held.HandOver is not null)
                {
                    continue;
                }

                held.HandOver = handOver.Task;
            }

            var handed = false;
            var settledMeanwhile = false;
            try
            {
                var claims = Array.ConvertAll(held.Buckets, b => new SpendClaim(b, LimitUsd: null));
                await _ledger.TryReserveAsync(new SpendReservationRequest(id, held.Amount, claims, _timeProvider.GetUtcNow() + Spending.ReservationTimeout), CancellationToken.None).ConfigureAwait(false);
                handed = true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogReconcileFailed(_logger, ex, PendingSettlements);
            }
            finally
            {
                lock (_lock)
                {
                    held.HandOver = null;

                    // A settlement that stopped waiting for this hand-over has released the hold (and counted it) already.
                    settledMeanwhile = !_inFlight.TryGetValue(id, out var current) || !ReferenceEquals(current, held);
                    if (handed && !settledMeanwhile)
                    {
                        held.LocalOnly = false;
                        _localOnlyHolds--;
                    }
                }

                // The call's settlement, if it waited for this, now goes to the ledger by the same id and releases it.
                handOver.SetResult();
            }

            if (!handed)
            {
                return false;
            }

            if (settledMeanwhile && !await ReleaseLateHandOverAsync(id, held.Buckets).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Releases a handed-over reservation whose call was settled before the ledger had it: a settlement of nothing by the
    /// same id (the cost itself was settled or queued by the call). Left alone, it would hold budget until it expired.
    /// </summary>
    private async ValueTask<bool> ReleaseLateHandOverAsync(string id, SpendBucket[] buckets)
    {
        try
        {
            await _ledger.SettleAsync(id, buckets, 0m, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogReconcileFailed(_logger, ex, PendingSettlements);
            return false;
        }
    }

    private void Enqueue(PendingSettlement settlement)
    {
        _pending.Enqueue(settlement);
        Volatile.Write(ref _pendingCount, _pending.Count);
    }

    /// <summary>
    /// Takes the total the ledger reported after a settlement (call under the lock). Less than <paramref name="expected"/>
    /// (what it reported before, plus this cost) means the store lost data, deleted or replaced: the difference goes to
    /// <paramref name="lost"/>, to be added back (<see cref="Restore"/>) on top of what the ledger now says.
    /// </summary>
    private void KnowSettled(SpendBucket bucket, decimal expected, decimal reported, List<(SpendBucket Bucket, decimal Usd)> lost)
    {
        if (reported < expected)
        {
            lost.Add((bucket, expected - reported));
            Totals(bucket).KnownSpent = reported;
            return;
        }

        Know(bucket, reported);
    }

    private void Know(SpendBucket bucket, decimal spent)
    {
        var local = Totals(bucket);
        local.KnownSpent = Math.Max(local.KnownSpent, spent);
    }

    /// <summary>The process's totals of a bucket, created on first use (call under the lock).</summary>
    private LocalTotals Totals(SpendBucket bucket)
    {
        if (!_buckets.TryGetValue(bucket, out var totals))
        {
            totals = new LocalTotals();
            _buckets[bucket] = totals;
            if (!_latestPeriod.TryGetValue(bucket.Budget, out var latest) || bucket.PeriodStart > latest)
            {
                _latestPeriod[bucket.Budget] = bucket.PeriodStart;
            }

            if (++_createdSincePrune >= PruneEvery)
            {
                PruneLocked();
            }
        }

        return totals;
    }

    /// <summary>The ledger reported less than it had: it was deleted or replaced. Add back what this process knew was spent.</summary>
    private void Restore(SpendBucket bucket, decimal usd)
    {
        LogSpendRestored(_logger, bucket.Budget, bucket.ScopeValue, usd, _ledger.GetType().Name);
        lock (_lock)
        {
            Totals(bucket).Unreconciled += usd;
            Enqueue(new PendingSettlement("restore-" + PromptOpsContext.NewRequestId(), [bucket], usd));
        }

        ProbeSoon(force: true);
    }

    private void Degrade(Exception failure)
    {
        Volatile.Write(ref _lastFailure, failure);
        if (!_degraded)
        {
            _degraded = true;
            LogDegraded(_logger, failure, _ledger.GetType().Name, Spending.OnLedgerFailure);
        }
    }

    /// <summary>Starts one background attempt to reach the ledger (and hand it what it missed), at most once per interval.</summary>
    private void ProbeSoon(bool force = false)
    {
        var now = _timeProvider.GetTimestamp();
        var next = Interlocked.Read(ref _nextProbe);
        if (!force && now < next)
        {
            return;
        }

        var due = now + (long)(ProbeInterval.TotalSeconds * _timeProvider.TimestampFrequency);
        if (Interlocked.CompareExchange(ref _nextProbe, due, next) != next)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await ReconcileAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogReconcileFailed(_logger, ex, PendingSettlements);
            }
        });
    }

    /// <summary>Forgets buckets of periods long over that hold nothing and owe nothing.</summary>
    private void Prune()
    {
        lock (_lock)
        {
            PruneLocked();
        }
    }

    /// <summary>
    /// Forgets the buckets of past periods (a budget has moved on to a later period) that hold and owe nothing, so a
    /// per-user budget does not keep a bucket for every user of every past day. Runs every few thousand new buckets.
    /// </summary>
    private void PruneLocked()
    {
        _createdSincePrune = 0;
        foreach (var (bucket, totals) in _buckets.Where(b => b.Key.PeriodStart < _latestPeriod[b.Key.Budget] && b.Value.Held == 0 && b.Value.Unreconciled == 0).ToList())
        {
            _buckets.Remove(bucket);
        }
    }

    [LoggerMessage(EventId = 2420, Level = LogLevel.Error, Message = "The spend ledger {Ledger} is unavailable; spend budgets are enforced in this process ({Mode}) from the totals it last saw, and settled costs are kept until the ledger answers again.")]
    private static partial void LogDegraded(ILogger logger, Exception exception, string ledger, SpendLedgerFailureMode mode);

    [LoggerMessage(EventId = 2421, Level = LogLevel.Information, Message = "The spend ledger {Ledger} answers again; {Count} settlement(s) made while it was unavailable were added to it.")]
    private static partial void LogRecovered(ILogger logger, string ledger, int count);

    [LoggerMessage(EventId = 2422, Level = LogLevel.Warning, Message = "The spend ledger could not yet receive the {Count} settlement(s) made while it was unavailable; they are kept and tried again.")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 2423, Level = LogLevel.Warning, Message = "The spend ledger {Ledger} reports less spent for budget {Budget} ({ScopeValue}) than this process knew: the store was deleted or replaced. {Usd} USD are added back so the period's spend is not forgotten.")]
    private static partial void LogSpendRestored(ILogger logger, string budget, string scopeValue, decimal usd, string ledger);

    [LoggerMessage(EventId = 2424, Level = LogLevel.Error, Message = "{Count} settlement(s) made while the spend ledger {Ledger} was unavailable could not be added to it before shutdown; the ledger undercounts this period by their cost.")]
    private static partial void LogLostAtShutdown(ILogger logger, int count, string ledger);

    private sealed class LocalTotals
    {
        public decimal KnownSpent;
        public decimal Unreconciled;
        public decimal Held;
    }

    private sealed record InFlight(SpendBucket[] Buckets, decimal Amount)
    {
        /// <summary>Gets or sets a value indicating whether the ledger does not know this reservation (changed under the lock).</summary>
        public bool LocalOnly { get; set; }

        /// <summary>Gets or sets the hand-over of this reservation to the ledger while it runs, which its settlement waits for.</summary>
        public Task? HandOver { get; set; }

        /// <summary>Gets or sets a value indicating whether the call's settlement has begun, so no hand-over may start (changed under the lock).</summary>
        public bool Settling { get; set; }
    }

    private sealed record PendingSettlement(string ReservationId, SpendBucket[] Buckets, decimal CostUsd);
}
