namespace PromptOps;

/// <summary>
/// Where spend budgets keep their counts: what each budget has spent and has reserved in each period, and which alerts have
/// fired. <see cref="InMemorySpendLedger"/> is the default; <c>AddSqliteStore(...)</c> registers one that survives restarts
/// and is shared by every process that uses the same database file.
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers, and <see cref="TryReserveAsync"/> must be atomic across all of its claims.</remarks>
public interface ISpendLedger
{
    /// <summary>
    /// Reserves <see cref="SpendReservationRequest.AmountUsd"/> in every claimed bucket, or in none: a claim with a limit is
    /// refused when its bucket's spent plus reserved plus the amount would exceed that limit.
    /// </summary>
    /// <param name="request">The reservation.</param>
    /// <param name="cancellationToken">Cancels the reservation.</param>
    /// <returns>Whether the amount was reserved, and if not, which claim refused it.</returns>
    ValueTask<SpendReservationResult> TryReserveAsync(SpendReservationRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Releases a reservation (when it is still held) and adds the actual cost of the call to each of its buckets. The cost is
    /// added even when a persistent ledger has already released an expired reservation, so settle each reservation once.
    /// </summary>
    /// <param name="reservationId">The id of a reservation made by <see cref="TryReserveAsync"/>.</param>
    /// <param name="buckets">The buckets the reservation claimed.</param>
    /// <param name="actualCostUsd">What the call cost (0 when it failed before anything was billed).</param>
    /// <param name="cancellationToken">Cancels the settlement.</param>
    /// <returns>The totals of the buckets after settling, in the order given.</returns>
    ValueTask<IReadOnlyList<SpendBucketTotal>> SettleAsync(string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd, CancellationToken cancellationToken = default);

    /// <summary>Records that an alert fired, once: only the first caller for a bucket and threshold gets <see langword="true"/>.</summary>
    /// <param name="bucket">The budget's bucket.</param>
    /// <param name="threshold">The share of the limit the alert is for.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call recorded it; <see langword="false"/> when it had already fired.</returns>
    ValueTask<bool> TryRecordAlertAsync(SpendBucket bucket, double threshold, CancellationToken cancellationToken = default);

    /// <summary>Reads what one bucket has spent and has reserved.</summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The totals; zero for a bucket nothing was charged to.</returns>
    ValueTask<SpendBucketTotal> GetAsync(SpendBucket bucket, CancellationToken cancellationToken = default);
}

/// <summary>One budget's counter for one scope value and period, for example budget <c>per-user</c>, user <c>u-42</c>, 23 November.</summary>
/// <param name="Budget">The budget's name (its key under <c>PromptOps:Spending:Budgets</c>).</param>
/// <param name="ScopeValue">The feature, user, tenant or model counted, or <c>*</c> for a global budget.</param>
/// <param name="PeriodStart">When the period began, in UTC.</param>
public readonly record struct SpendBucket(string Budget, string ScopeValue, DateTimeOffset PeriodStart);

/// <summary>One bucket a reservation charges, and the limit it must stay within.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="LimitUsd">The limit to check, or <see langword="null"/> to count without checking (warn and downgraded calls).</param>
public readonly record struct SpendClaim(SpendBucket Bucket, decimal? LimitUsd);

/// <summary>A request to reserve the worst-case cost of a call in several buckets at once.</summary>
/// <param name="ReservationId">A unique id; settle with it.</param>
/// <param name="AmountUsd">The worst-case cost of the call.</param>
/// <param name="Claims">The buckets to charge.</param>
/// <param name="ExpiresAt">When a persistent ledger may release the reservation if it is never settled.</param>
public sealed record SpendReservationRequest(string ReservationId, decimal AmountUsd, IReadOnlyList<SpendClaim> Claims, DateTimeOffset ExpiresAt);

/// <summary>The outcome of <see cref="ISpendLedger.TryReserveAsync"/>.</summary>
/// <param name="Reserved">Whether the amount was reserved in every bucket.</param>
/// <param name="RejectedIndex">The index of the claim that refused it, or -1.</param>
/// <param name="SpentUsd">What the refusing bucket had spent, or 0.</param>
/// <param name="ReservedUsd">What the refusing bucket had reserved by calls still in flight, or 0.</param>
public sealed record SpendReservationResult(bool Reserved, int RejectedIndex, decimal SpentUsd, decimal ReservedUsd)
{
    /// <summary>Gets the result of a reservation that succeeded.</summary>
    public static SpendReservationResult Success { get; } = new(true, -1, 0, 0);
}

/// <summary>What one bucket has spent and has reserved.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="SpentUsd">The settled cost of its calls.</param>
/// <param name="ReservedUsd">The worst-case cost of its calls in flight.</param>
public readonly record struct SpendBucketTotal(SpendBucket Bucket, decimal SpentUsd, decimal ReservedUsd);
