namespace PromptOps;

/// <summary>
/// Reads the call records a durable store kept: everything about one request (incident response), records matching filters,
/// and aggregates for cost reports. <c>AddSqliteStore(...)</c> registers the SQLite implementation.
/// </summary>
public interface ICallStore
{
    /// <summary>Gets every record of one request (a tool-calling loop makes several), oldest first.</summary>
    /// <param name="requestId">The request id, as returned on the response under <see cref="PromptOpsResponseKeys.RequestId"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records; empty when the store has none for that id.</returns>
    Task<IReadOnlyList<PromptCallRecord>> GetRequestAsync(string requestId, CancellationToken cancellationToken = default);

    /// <summary>Gets the records that match a query, newest first.</summary>
    /// <param name="query">The time range and filters.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>At most <see cref="CallQuery.Limit"/> records.</returns>
    Task<IReadOnlyList<PromptCallRecord>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default);

    /// <summary>Aggregates the records that match a query into groups.</summary>
    /// <param name="query">The time range and filters (<see cref="CallQuery.Limit"/> does not apply).</param>
    /// <param name="groupBy">The dimensions to group by, in order; none gives one group with the totals.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One aggregate per group: by day, oldest first, when grouped by <see cref="CallGrouping.Day"/>; then by cost, highest first.</returns>
    Task<IReadOnlyList<CallAggregate>> AggregateAsync(CallQuery query, IReadOnlyList<CallGrouping> groupBy, CancellationToken cancellationToken = default);

    /// <summary>Deletes the records older than a point in time.</summary>
    /// <param name="cutoff">Records that started before it are deleted.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>How many records were deleted.</returns>
    Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);

    /// <summary>Reads the spend ledger: what each budget spent per period and scope value, against the limits last configured.</summary>
    /// <param name="startedFrom">Only periods that started at or after this, or <see langword="null"/>.</param>
    /// <param name="startedBefore">Only periods that started before this, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The periods, newest first, then by share of the limit, highest first.</returns>
    Task<IReadOnlyList<BudgetSpend>> GetBudgetSpendAsync(DateTimeOffset? startedFrom = null, DateTimeOffset? startedBefore = null, CancellationToken cancellationToken = default);
}

/// <summary>Which call records to read: a time range and optional filters, all of which must match.</summary>
public sealed record CallQuery
{
    /// <summary>Gets the earliest start time included, or <see langword="null"/> for no lower bound.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the start time before which records are included (exclusive), or <see langword="null"/> for no upper bound.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Gets the feature to match, or <see langword="null"/>.</summary>
    public string? Feature { get; init; }

    /// <summary>Gets the requested model to match, or <see langword="null"/>.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the user to match, or <see langword="null"/>.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the tenant to match, or <see langword="null"/>.</summary>
    public string? TenantId { get; init; }

    /// <summary>Gets the prompt id to match, or <see langword="null"/>.</summary>
    public string? PromptId { get; init; }

    /// <summary>Gets the prompt version to match, or <see langword="null"/>.</summary>
    public string? PromptVersion { get; init; }

    /// <summary>Gets the label (environment) that served the prompt to match, for example <c>production</c>, or <see langword="null"/>.</summary>
    public string? Label { get; init; }

    /// <summary>Gets whether to match only successful (<see langword="true"/>) or failed calls, or <see langword="null"/> for both.</summary>
    public bool? Success { get; init; }

    /// <summary>Gets the most records <see cref="ICallStore.QueryAsync"/> returns.</summary>
    /// <value>The default value is 1,000.</value>
    public int Limit { get; init; } = 1_000;
}

/// <summary>A dimension call aggregates are grouped by.</summary>
public enum CallGrouping
{
    /// <summary>The feature.</summary>
    Feature,

    /// <summary>The requested model.</summary>
    Model,

    /// <summary>The end user (<c>(none)</c> for calls without one).</summary>
    User,

    /// <summary>The tenant (<c>(none)</c> for calls without one).</summary>
    Tenant,

    /// <summary>The prompt id (<c>(none)</c> for calls not made from a prompt).</summary>
    Prompt,

    /// <summary>The prompt id and version, as <c>id@version</c>.</summary>
    PromptVersion,

    /// <summary>The calendar day the call started on (UTC), as <c>yyyy-MM-dd</c>.</summary>
    Day,

    /// <summary>The hour the call started in (UTC), as <c>yyyy-MM-dd HH:00</c>.</summary>
    Hour,

    /// <summary>The A/B variant that served the prompt (<c>(none)</c> for calls not served by a split).</summary>
    Variant,
}

/// <summary>The totals of one group of calls.</summary>
public sealed record CallAggregate
{
    /// <summary>Gets the group's value for each grouping dimension, in the order asked for.</summary>
    public required IReadOnlyList<string> Keys { get; init; }

    /// <summary>Gets the number of calls.</summary>
    public required long Calls { get; init; }

    /// <summary>Gets the number of failed calls.</summary>
    public required long Errors { get; init; }

    /// <summary>Gets the share of calls that failed (0 to 1).</summary>
    public double ErrorRate => Calls == 0 ? 0 : (double)Errors / Calls;

    /// <summary>Gets the input tokens, cached ones included.</summary>
    public required long InputTokens { get; init; }

    /// <summary>Gets the output tokens.</summary>
    public required long OutputTokens { get; init; }

    /// <summary>Gets the input tokens read from the prompt cache.</summary>
    public required long CachedInputTokens { get; init; }

    /// <summary>Gets the summed cost in USD of the calls that had a price.</summary>
    public required decimal Cost { get; init; }

    /// <summary>
    /// Gets the number of successful calls whose cost is unknown (a model without a price); they are not in <see cref="Cost"/>.
    /// A failed call without a cost was not charged and is not counted here.
    /// </summary>
    public required long UnpricedCalls { get; init; }

    /// <summary>Gets the median latency.</summary>
    public required TimeSpan P50Latency { get; init; }

    /// <summary>Gets the 95th percentile latency.</summary>
    public required TimeSpan P95Latency { get; init; }

    /// <summary>Gets the median time to the first streamed token over the calls that streamed, or <see langword="null"/> when none did.</summary>
    public TimeSpan? P50TimeToFirstToken { get; init; }
}
