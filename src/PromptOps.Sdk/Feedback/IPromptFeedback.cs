namespace PromptOps;

/// <summary>
/// Attaches quality signals to recorded calls: user thumbs, escalation flags, LLM-judge scores, categories. Registered by
/// <c>AddPromptOps()</c>; needs a store (<c>AddSqliteStore</c> or <c>AddPostgreSqlStore</c>), where feedback is kept with
/// the call records and summarised per prompt version by <c>promptops report --by version</c>.
/// </summary>
public interface IPromptFeedback
{
    /// <summary>Validates the feedback, redacts its comment like call content, and stores it with its call.</summary>
    /// <param name="feedback">The feedback; see <see cref="PromptFeedback.Thumbs"/>, <see cref="PromptFeedback.Flag"/>, <see cref="PromptFeedback.Scored"/>, <see cref="PromptFeedback.Categorized"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The feedback as stored (timestamp set, comment redacted or dropped per <see cref="PromptOpsCallOptions.ContentCapture"/>).</returns>
    /// <exception cref="ArgumentException">A field is invalid: the message names it and says how to fix it.</exception>
    /// <exception cref="PromptFeedbackException">No call with the request id is in the store (unknown, not yet written by another instance, or deleted by retention), no store is registered, or the store could not be written.</exception>
    Task<PromptFeedback> RecordAsync(PromptFeedback feedback, CancellationToken cancellationToken = default);

    /// <summary>Reads the feedback given on one request, oldest first.</summary>
    /// <param name="requestId">The request id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The feedback; empty when there is none.</returns>
    /// <exception cref="PromptFeedbackException">No store is registered.</exception>
    Task<IReadOnlyList<PromptFeedback>> GetAsync(string requestId, CancellationToken cancellationToken = default);
}

/// <summary>Feedback could not be attached: its request is not in the store, or there is no store.</summary>
public sealed class PromptFeedbackException : PromptOpsException
{
    /// <summary>Initializes a new instance of the <see cref="PromptFeedbackException"/> class.</summary>
    /// <param name="requestId">The request the feedback was for.</param>
    /// <param name="message">What went wrong and how to fix it.</param>
    public PromptFeedbackException(string requestId, string message)
        : base(message) => RequestId = requestId;

    /// <summary>Initializes a new instance of the <see cref="PromptFeedbackException"/> class.</summary>
    /// <param name="requestId">The request the feedback was for.</param>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause, for example the store's error.</param>
    public PromptFeedbackException(string requestId, string message, Exception innerException)
        : base(message, innerException) => RequestId = requestId;

    /// <summary>Gets the request the feedback was for.</summary>
    public string RequestId { get; }
}
