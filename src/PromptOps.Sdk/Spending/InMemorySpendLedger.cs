namespace PromptOps;

/// <summary>
/// The default <see cref="ISpendLedger"/>: counts in memory, for one process, lost on restart. Use
/// <c>AddSqliteStore(...)</c> for a ledger that survives restarts and is shared between processes.
/// </summary>
/// <remarks>Thread-safe: one lock guards every operation, each of which only touches a few dictionary entries.</remarks>
public sealed class InMemorySpendLedger : ISpendLedger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SpendBucket, Totals> _buckets = [];
    private readonly Dictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);
    private readonly HashSet<(SpendBucket Bucket, double Threshold)> _alerts = [];
    private readonly Dictionary<string, DateTimeOffset> _latestPeriod = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<SpendReservationResult> TryReserveAsync(SpendReservationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            for (var i = 0; i < request.Claims.Count; i++)
            {
                var claim = request.Claims[i];
                if (claim.LimitUsd is not { } limit)
                {
                    continue;
                }

                var (spent, reserved) = _buckets.TryGetValue(claim.Bucket, out var totals) ? (totals.Spent, totals.Reserved) : (0m, 0m);
                if (spent + reserved + request.AmountUsd > limit)
                {
                    return ValueTask.FromResult(new SpendReservationResult(false, i, spent, reserved));
                }
            }

            var buckets = new SpendBucket[request.Claims.Count];
            for (var i = 0; i < buckets.Length; i++)
            {
                buckets[i] = request.Claims[i].Bucket;
                Get(buckets[i]).Reserved += request.AmountUsd;
            }

            _reservations[request.ReservationId] = new Reservation(buckets, request.AmountUsd);
            return ValueTask.FromResult(SpendReservationResult.Success);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SpendBucketTotal>> SettleAsync(string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        lock (_lock)
        {
            if (_reservations.Remove(reservationId, out var reservation))
            {
                foreach (var bucket in reservation.Buckets)
                {
                    Get(bucket).Reserved -= reservation.Amount;
                }
            }

            var result = new SpendBucketTotal[buckets.Count];
            for (var i = 0; i < result.Length; i++)
            {
                var totals = Get(buckets[i]);
                totals.Spent += actualCostUsd;
                result[i] = new SpendBucketTotal(buckets[i], totals.Spent, totals.Reserved);
            }

            return ValueTask.FromResult<IReadOnlyList<SpendBucketTotal>>(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> TryRecordAlertAsync(SpendBucket bucket, double threshold, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_alerts.Add((bucket, threshold)));
        }
    }

    /// <inheritdoc />
    public ValueTask<SpendBucketTotal> GetAsync(SpendBucket bucket, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_buckets.TryGetValue(bucket, out var totals)
                ? new SpendBucketTotal(bucket, totals.Spent, totals.Reserved)
                : new SpendBucketTotal(bucket, 0, 0));
        }
    }

    /// <summary>Finds or adds a bucket; when a budget enters a new period, the buckets and alerts of its earlier periods are dropped.</summary>
    private Totals Get(SpendBucket bucket)
    {
        if (_buckets.TryGetValue(bucket, out var totals))
        {
            return totals;
        }

        if (!_latestPeriod.TryGetValue(bucket.Budget, out var latest) || bucket.PeriodStart > latest)
        {
            _latestPeriod[bucket.Budget] = bucket.PeriodStart;
            var stale = _buckets.Where(b => b.Key.Budget == bucket.Budget && b.Key.PeriodStart < bucket.PeriodStart && b.Value.Reserved == 0).Select(b => b.Key).ToList();
            foreach (var old in stale)
            {
                _buckets.Remove(old);
            }

            _alerts.RemoveWhere(a => a.Bucket.Budget == bucket.Budget && a.Bucket.PeriodStart < bucket.PeriodStart);
        }

        totals = new Totals();
        _buckets[bucket] = totals;
        return totals;
    }

    private sealed class Totals
    {
        public decimal Spent { get; set; }

        public decimal Reserved { get; set; }
    }

    private sealed record Reservation(SpendBucket[] Buckets, decimal Amount);
}
