using System.Text.RegularExpressions;

namespace PromptOps;

/// <summary>
/// A quality signal attached to a recorded call by its request id: a user's thumbs, an escalation flag, an LLM judge's
/// score, a category. Several signals per call are told apart by <see cref="Name"/>. Record one with
/// <see cref="IPromptFeedback.RecordAsync"/>; <c>promptops report --by version</c> shows each signal's mean per prompt version.
/// </summary>
/// <example>
/// <code>
/// await feedback.RecordAsync(PromptFeedback.Thumbs(requestId, up: false) with { Comment = "wrong refund window", GivenBy = userId });
/// await feedback.RecordAsync(PromptFeedback.Score(requestId, "judge.helpfulness", 0.8));
/// </code>
/// </example>
public sealed partial record PromptFeedback
{
    /// <summary>The longest comment kept, in characters.</summary>
    public const int MaxCommentLength = 4_000;

    /// <summary>Gets the request id of the call (<see cref="PromptCallRecord.RequestId"/>, <see cref="PromptOpsContext.RequestId"/>).</summary>
    public required string RequestId { get; init; }

    /// <summary>Gets the signal's name: lowercase letters, digits, <c>.</c>, <c>_</c> or <c>-</c>, for example <c>thumbs</c>, <c>escalated</c>, <c>judge.helpfulness</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the numeric value, or <see langword="null"/> for a category only: 1 or 0 for thumbs up or down and for a flag, any finite number for a score.</summary>
    public double? Score { get; init; }

    /// <summary>Gets the category, for example <c>wrong-answer</c>, or <see langword="null"/>.</summary>
    public string? Category { get; init; }

    /// <summary>Gets a free-text comment, at most <see cref="MaxCommentLength"/> characters; stored redacted like call content (<see cref="PromptOpsCallOptions.ContentCapture"/>).</summary>
    public string? Comment { get; init; }

    /// <summary>Gets who gave the signal: a user id, <c>support-agent:ann</c>, <c>llm-judge</c>; or <see langword="null"/>.</summary>
    public string? GivenBy { get; init; }

    /// <summary>Gets when the signal was given; set by <see cref="IPromptFeedback.RecordAsync"/> when left at its default.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>A user's thumbs up (score 1) or down (score 0), named <c>thumbs</c>.</summary>
    /// <param name="requestId">The call's request id.</param>
    /// <param name="up">Whether the thumb is up.</param>
    /// <returns>The signal.</returns>
    public static PromptFeedback Thumbs(string requestId, bool up) => new() { RequestId = requestId, Name = "thumbs", Score = up ? 1 : 0 };

    /// <summary>A yes/no signal (score 1 or 0), for example <c>escalated</c>.</summary>
    /// <param name="requestId">The call's request id.</param>
    /// <param name="name">The signal's name.</param>
    /// <param name="value">The value.</param>
    /// <returns>The signal.</returns>
    public static PromptFeedback Flag(string requestId, string name, bool value) => new() { RequestId = requestId, Name = name, Score = value ? 1 : 0 };

    /// <summary>A numeric score, for example an LLM judge's 0 to 1 or a 1 to 5 rating.</summary>
    /// <param name="requestId">The call's request id.</param>
    /// <param name="name">The signal's name.</param>
    /// <param name="score">The score; a finite number.</param>
    /// <returns>The signal.</returns>
    public static PromptFeedback Scored(string requestId, string name, double score) => new() { RequestId = requestId, Name = name, Score = score };

    /// <summary>A category, for example <c>wrong-answer</c> under the name <c>issue</c>.</summary>
    /// <param name="requestId">The call's request id.</param>
    /// <param name="name">The signal's name.</param>
    /// <param name="category">The category.</param>
    /// <returns>The signal.</returns>
    public static PromptFeedback Categorized(string requestId, string name, string category) => new() { RequestId = requestId, Name = name, Category = category };

    /// <summary>Throws <see cref="ArgumentException"/> naming the field at fault and how to fix it.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(RequestId) || RequestId.Length > 200)
        {
            throw new ArgumentException($"The feedback's request id '{Shorten(RequestId)}' is empty or longer than 200 characters. Pass the RequestId of the recorded call (PromptCallRecord.RequestId, or PromptOpsContext.RequestId when it was made).", nameof(RequestId));
        }

        if (string.IsNullOrEmpty(Name) || !NamePattern().IsMatch(Name))
        {
            throw new ArgumentException($"The feedback name '{Shorten(Name)}' is invalid. Use 1 to 64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit, for example 'thumbs', 'escalated' or 'judge.helpfulness'.", nameof(Name));
        }

        if (Score is { } score && !double.IsFinite(score))
        {
            throw new ArgumentException($"The score of feedback '{Name}' is {score}; it must be a finite number.", nameof(Score));
        }

        if (Score is null && string.IsNullOrWhiteSpace(Category))
        {
            throw new ArgumentException($"Feedback '{Name}' has neither a score nor a category. Give one: PromptFeedback.Thumbs, Flag, Scored or Categorized.", nameof(Score));
        }

        if (Category is { Length: > 100 })
        {
            throw new ArgumentException($"The category of feedback '{Name}' is {Category.Length} characters; at most 100 are allowed. Use a short label such as 'wrong-answer', and put the details in the comment.", nameof(Category));
        }

        if (Comment is { Length: > MaxCommentLength })
        {
            throw new ArgumentException($"The comment of feedback '{Name}' is {Comment.Length:N0} characters; at most {MaxCommentLength:N0} are kept. Shorten it, or store long texts elsewhere and put a link in the comment.", nameof(Comment));
        }

        if (GivenBy is { Length: > 200 })
        {
            throw new ArgumentException($"GivenBy of feedback '{Name}' is longer than 200 characters. Use a user id or a short name.", nameof(GivenBy));
        }
    }

    private static string Shorten(string? text) => text is null ? string.Empty : text.Length <= 40 ? text : text[..40] + "...";

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
