using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>
/// The <see cref="IPromptFeedback"/> of <c>AddPromptOps()</c>: validates, redacts the comment per
/// <see cref="PromptOpsCallOptions.ContentCapture"/>, and stores the feedback with its call. When the call is not in the
/// store yet, this instance's pending records are written first (feedback often follows the answer within a second).
/// </summary>
internal sealed class PromptFeedbackRecorder(
    IOptionsMonitor<PromptOpsOptions> options,
    TimeProvider timeProvider,
    ICallRecordDispatcher? dispatcher = null,
    IFeedbackStore? store = null) : IPromptFeedback
{
    public async Task<PromptFeedback> RecordAsync(PromptFeedback feedback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        feedback.Validate();
        var target = store ?? throw NoStore(feedback.RequestId);
        var stored = feedback with
        {
            RequestId = feedback.RequestId.Trim(),
            Category = feedback.Category?.Trim(),
            Comment = Capture(feedback.Comment),
            Timestamp = feedback.Timestamp == default ? timeProvider.GetUtcNow() : feedback.Timestamp,
        };
        if (await TryStoreAsync(target, stored, cancellationToken).ConfigureAwait(false))
        {
            return stored;
        }

        if (dispatcher is not null)
        {
            await dispatcher.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (await TryStoreAsync(target, stored, cancellationToken).ConfigureAwait(false))
            {
                return stored;
            }
        }

        throw new PromptFeedbackException(
            stored.RequestId,
            $"No call with request id '{stored.RequestId}' is in the store, so feedback '{stored.Name}' was not recorded. Pass the RequestId of a recorded call (PromptCallRecord.RequestId, or PromptOpsContext.RequestId when the call was made); "
            + "a call made on another instance is in the store once that instance has written its records (PromptOps:Calls:DeliveryInterval), and calls older than the store's RetentionDays are deleted with their feedback.");
    }

    public async Task<IReadOnlyList<PromptFeedback>> GetAsync(string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestId);
        return await (store ?? throw NoStore(requestId)).GetAsync(requestId.Trim(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores the feedback; a store that cannot be reached is a <see cref="PromptFeedbackException"/> saying so, with the cause inside.</summary>
    private static async Task<bool> TryStoreAsync(IFeedbackStore store, PromptFeedback feedback, CancellationToken cancellationToken)
    {
        try
        {
            return await store.TryRecordAsync(feedback, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or TimeoutException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            throw new PromptFeedbackException(
                feedback.RequestId,
                $"Feedback '{feedback.Name}' on request '{feedback.RequestId}' was not recorded: the store could not be written ({ex.Message.TrimEnd('.')}). Nothing was stored; record it again when the store is back.",
                ex);
        }
    }

    private string? Capture(string? comment) => comment is null ? null : options.CurrentValue.Calls.ContentCapture switch
    {
        PromptCallContentCapture.Off => null,
        PromptCallContentCapture.Full => comment,
        _ => PromptContentRedactor.Redact(comment),
    };

    private static PromptFeedbackException NoStore(string requestId) => new(
        requestId,
        "Feedback is kept in the store with the call records, and no store is registered. Add one: builder.Services.AddPromptOps(...).AddSqliteStore(\"Data Source=promptops.db\") (PromptOps.Sdk.Sqlite) or .AddPostgreSqlStore(...) (PromptOps.Sdk.PostgreSql).");
}
