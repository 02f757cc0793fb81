namespace PromptOps;

/// <summary>
/// Where feedback is kept, next to the call records: implemented by the SQLite and PostgreSQL stores. Applications use
/// <see cref="IPromptFeedback"/>; this is the engine-neutral contract behind it, and what reports read.
/// </summary>
/// <remarks>Implementations must be safe for concurrent use.</remarks>
public interface IFeedbackStore
{
    /// <summary>Stores the feedback if the store holds a call with its request id, in one atomic step.</summary>
    /// <param name="feedback">The feedback, validated and redacted.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when stored; <see langword="false"/> when no call with that request id is in the store.</returns>
    ValueTask<bool> TryRecordAsync(PromptFeedback feedback, CancellationToken cancellationToken = default);

    /// <summary>Reads the feedback of one request, oldest first.</summary>
    /// <param name="requestId">The request id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The feedback, oldest first; empty when there is none.</returns>
    ValueTask<IReadOnlyList<PromptFeedback>> GetAsync(string requestId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Summarises feedback per prompt version, variant and signal name, for calls that started in a time range: each signal's
    /// count and mean score. A request's feedback counts for the prompt version of its first call made from a prompt.
    /// </summary>
    /// <param name="startedFrom">The earliest call start included, or <see langword="null"/>.</param>
    /// <param name="startedBefore">The call start before which calls are included, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One row per prompt id, version, variant and signal name, ordered by them.</returns>
    ValueTask<IReadOnlyList<FeedbackSummary>> SummarizeAsync(DateTimeOffset? startedFrom = null, DateTimeOffset? startedBefore = null, CancellationToken cancellationToken = default);
}

/// <summary>One signal's feedback for one prompt version (and variant).</summary>
public sealed record FeedbackSummary
{
    /// <summary>Gets the prompt id.</summary>
    public required string PromptId { get; init; }

    /// <summary>Gets the prompt version.</summary>
    public required string PromptVersion { get; init; }

    /// <summary>Gets the A/B variant, or <see langword="null"/> for calls not served by a split.</summary>
    public string? Variant { get; init; }

    /// <summary>Gets the signal's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets how many signals of this name were given.</summary>
    public required long Count { get; init; }

    /// <summary>Gets how many of them had a score.</summary>
    public required long Scored { get; init; }

    /// <summary>Gets the mean score (the share of thumbs up, for <c>thumbs</c>), or <see langword="null"/> when none had a score.</summary>
    public double? Mean { get; init; }

    /// <summary>Gets the sum of squared scores, from which a report computes the spread (and confidence intervals) of the mean.</summary>
    public required double SumOfSquares { get; init; }
}
