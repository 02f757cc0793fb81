namespace PromptOps;

/// <summary>Receives the <see cref="PromptCallRecord"/> of every LLM call made through <c>UsePromptOps()</c> or <c>UseCallLogging()</c>, in batches.</summary>
/// <remarks>
/// <para>Register sinks with <c>AddCallSink&lt;TSink&gt;()</c> (or as <see cref="IPromptCallSink"/> singletons). A background
/// worker owns the queue: it hands each sink the records in call-completion order, in batches of at most
/// <see cref="PromptOpsCallOptions.BatchSizeLimit"/>, after the chat calls have returned. A sink writes the batch it is given
/// and keeps no queue of its own: when <see cref="WriteBatchAsync"/> completes, the records are stored.</para>
/// <para>A batch that throws is handed to the sink again after <see cref="PromptOpsCallOptions.RetryDelay"/> (doubling each
/// time), up to <see cref="PromptOpsCallOptions.WriteRetries"/> times; then its records are counted as lost for that sink
/// (<see cref="ICallRecordDispatcher.SinkErrorCount"/>) and the failure is logged once until the sink works again. A slow or
/// failing sink never delays or fails a call.</para>
/// </remarks>
public interface IPromptCallSink
{
    /// <summary>Writes a batch of records.</summary>
    /// <param name="records">The records of completed calls, oldest first; never empty. Do not keep the list after returning.</param>
    /// <param name="cancellationToken">Signalled when the application shuts down and its flush timeout has passed.</param>
    /// <returns>A task that completes when the records are stored.</returns>
    ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken);
}
