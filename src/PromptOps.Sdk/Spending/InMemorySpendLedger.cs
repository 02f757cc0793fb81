namespace PromptOps;

/// <summary>
/// The default <see cref="ISpendLedger"/>: counts in memory, for one process, lost on restart. Use
/// <c>AddSqliteStore(...)</c> for a ledger that survives restarts and is shared between processes.
/// </summary>
/// <remarks>Thread-safe: one lock guards every operation, each of which only touches a few dictionary entries.</remarks>
internal sealed class InMemorySpendLedger : ISpendLedger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SpendBucket, Totals> _buckets = [];
    private readonly Dictionary<string, Hold> _reservations = new(StringComparer.Ordinal);
    private readonly HashSet<(SpendBucket Bucket, double Threshold)> _alerts = [];
    private readonly Dictionary<string, DateTimeOffset> _latestPeriod = new(StringComparer.Ordinal);
    private Totals? _last; // the bucket of the last lookup, guarded by the lock like the rest

    /// <inheritdoc />
    public ValueTask<SpendReservationResult> TryReserveAsync(SpendReservationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            var result = HoldLocked(request.Claims, request.AmountUsd, out var hold);
            if (hold is not null)
            {
                _reservations[request.ReservationId] = hold;
            }

            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SpendBucketTotal>> SettleAsync(string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var result = new SpendBucketTotal[buckets.Count];
        lock (_lock)
        {
            if (_reservations.Remove(reservationId, out var hold))
            {
                foreach (var totals in hold.Held)
                {
                    totals.Reserved -= hold.Amount;
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

    /// <summary>
    /// <see cref="TryReserveAsync"/> for a caller in this process: the reservation is the returned hold itself, so it needs
    /// no id, no request object and no table of reservations. Release it with <see cref="Release"/>.
    /// </summary>
    internal SpendReservationResult TryHold(IReadOnlyList<SpendClaim> claims, decimal amountUsd, out Hold? hold)
    {
        lock (_lock)
        {
            return HoldLocked(claims, amountUsd, out hold);
        }
    }

    /// <summary><see cref="SettleAsync"/> for a hold: releases it, adds the actual cost to its buckets and returns what each has spent.</summary>
    internal void Release(Hold hold, decimal actualCostUsd, Span<decimal> spentUsd)
    {
        lock (_lock)
        {
            for (var i = 0; i < hold.Held.Length; i++)
            {
                var held = hold.Held[i];
                held.Reserved -= hold.Amount;

                // A bucket dropped for a newer period while held (possible only for a zero amount) is looked up again.
                var totals = held.Dropped ? Get(held.Bucket) : held;
                totals.Spent += actualCostUsd;
                spentUsd[i] = totals.Spent;
            }
        }
    }

    private SpendReservationResult HoldLocked(IReadOnlyList<SpendClaim> claims, decimal amountUsd, out Hold? hold)
    {
        hold = null;
        var held = new Totals[claims.Count];
        for (var i = 0; i < held.Length; i++)
        {
            // One lookup per bucket: the hold keeps the totals, which are released without looking them up again.
            var totals = held[i] = Get(claims[i].Bucket);
            if (claims[i].LimitUsd is { } limit && totals.Spent + totals.Reserved + amountUsd > limit)
            {
                return new SpendReservationResult(false, i, totals.Spent, totals.Reserved);
            }
        }

        foreach (var totals in held)
        {
            totals.Reserved += amountUsd;
        }

        hold = new Hold(held, amountUsd);
        return SpendReservationResult.Success;
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
        // Most calls count in the bucket the previous call used (a global budget's): compared without hashing its strings.
        if (_last is { Dropped: false } last && last.Bucket == bucket)
        {
            return last;
        }

        if (_buckets.TryGetValue(bucket, out var totals))
        {
            return _last = totals;
        }

        if (!_latestPeriod.TryGetValue(bucket.Budget, out var latest) || bucket.PeriodStart > latest)
        {
            _latestPeriod[bucket.Budget] = bucket.PeriodStart;
            DropEarlierPeriods(bucket);
        }

        totals = new Totals(bucket);
        _buckets[bucket] = totals;
        return _last = totals;
    }

    /// <summary>
    /// Drops the buckets (unless something is held in them) and alerts of <paramref name="bucket"/>'s budget from earlier
    /// periods. A method of its own so that its lambdas' closure is not allocated on every <see cref="Get"/>.
    /// </summary>
    private void DropEarlierPeriods(SpendBucket bucket)
    {
        var stale = _buckets.Where(b => b.Key.Budget == bucket.Budget && b.Key.PeriodStart < bucket.PeriodStart && b.Value.Reserved == 0).Select(b => b.Key).ToList();
        foreach (var old in stale)
        {
            _buckets.Remove(old, out var dropped);
            dropped!.Dropped = true;
        }

        _alerts.RemoveWhere(a => a.Bucket.Budget == bucket.Budget && a.Bucket.PeriodStart < bucket.PeriodStart);
    }

    /// <summary>What one bucket has spent and has reserved; guarded by the ledger's lock.</summary>
    internal sealed class Totals(SpendBucket bucket)
    {
        public SpendBucket Bucket => bucket;

        public decimal Spent { get; set; }

        public decimal Reserved { get; set; }

        /// <summary>Gets or sets a value indicating whether a newer period dropped the bucket from the ledger.</summary>
        public bool Dropped { get; set; }
    }

    /// <summary>A reservation: the totals it reserved in, and the amount.</summary>
    internal sealed record Hold(Totals[] Held, decimal Amount);
}
