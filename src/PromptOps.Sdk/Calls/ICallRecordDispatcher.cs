namespace PromptOps;

/// <summary>
/// The bounded hand-off between chat calls and the <see cref="IPromptCallSink"/>s: what was dropped because the queue was
/// full, what sinks could not store, and a way to wait until every record so far has been delivered.
/// </summary>
public interface ICallRecordDispatcher
{
    /// <summary>Gets how many records were dropped because the queue was full (also the <c>promptops.sink.dropped</c> metric).</summary>
    long DroppedCount { get; }

    /// <summary>Gets how many records a sink could not store after its retries, summed over the sinks (also the <c>promptops.sink.errors</c> metric).</summary>
    long SinkErrorCount { get; }

    /// <summary>Gets how many records are waiting for the sinks.</summary>
    int PendingCount { get; }

    /// <summary>Waits until every record queued before the call has been handed to every sink and stored (or given up on after its retries).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the records are delivered.</returns>
    Task FlushAsync(CancellationToken cancellationToken = default);
}
