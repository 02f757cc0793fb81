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
        var claims = request.Claims;
        var held = new Totals[claims.Count];
        lock (_lock)
        {
            for (var i = 0; i < held.Length; i++)
            {
                // One lookup per bucket: the totals are kept with the reservation, which releases them without looking again.
                var totals = held[i] = Get(claims[i].Bucket);
                if (claims[i].LimitUsd is { } limit && totals.Spent + totals.Reserved + request.AmountUsd > limit)
                {
                    return ValueTask.FromResult(new SpendReservationResult(false, i, totals.Spent, totals.Reserved));
                }
            }

            foreach (var totals in held)
            {
                totals.Reserved += request.AmountUsd;
            }

            _reservations[request.ReservationId] = new Reservation(held, request.AmountUsd);
            return ValueTask.FromResult(SpendReservationResult.Success);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SpendBucketTotal>> SettleAsync(string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var result = new SpendBucketTotal[buckets.Count];
        lock (_lock)
        {
            if (_reservations.Remove(reservationId, out var reservation))
            {
                foreach (var totals in reservation.Held)
                {
                    totals.Reserved -= reservation.Amount;
                }
            }

            for (var i = 0; i < result.Length; i++)
            {
                var totals = Get(buckets[i]);
                totals.Spent += actualCostUsd;
                result[i] = new SpendBucketTotal(buckets[i], totals.Spent, totals.Reserved);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<SpendBucketTotal>>(result);
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

    private sealed record Reservation(Totals[] Held, decimal Amount);
}
