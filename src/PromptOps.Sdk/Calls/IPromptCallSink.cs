namespace PromptOps;

/// <summary>Receives a <see cref="PromptCallRecord"/> for every LLM call made through <c>UseCallLogging()</c> or <c>UsePromptOps()</c>.</summary>
/// <remarks>
/// Register sinks in the service collection (<c>services.AddSingleton&lt;IPromptCallSink, MySink&gt;()</c>). Records are handed
/// to sinks on a background worker, one at a time and in call-completion order, after the chat call has returned: a slow sink
/// never delays a call, and an exception from a sink is logged and counted, never surfaced to the caller.
/// </remarks>
public interface IPromptCallSink
{
    /// <summary>Writes one record.</summary>
    /// <param name="record">The record of a completed call.</param>
    /// <param name="cancellationToken">Signalled when the application shuts down and its flush timeout has passed.</param>
    /// <returns>A task that completes when the record is written.</returns>
    ValueTask WriteAsync(PromptCallRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until every record handed to <see cref="WriteAsync"/> so far is stored, for a sink that buffers (the SQLite
    /// store writes in batches). <see cref="ICallRecordDispatcher.FlushAsync"/> calls it; the default returns at once.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the records are stored.</returns>
    ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
