using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PromptOps;

/// <summary>
/// Hands call records to the sinks on one background worker, in batches; the one queue between calls and sinks. A chat call
/// only enqueues its record. The worker is not woken per record but when <see cref="PromptOpsCallOptions.DeliveryInterval"/>
/// has passed, when a batch is waiting, on <see cref="FlushAsync"/> and on disposal. Writers never wait: when
/// <see cref="PromptOpsCallOptions.QueueCapacity"/> records are waiting, the record is dropped and counted. A batch a sink
/// fails to write is retried with growing delays, then counted as lost for that sink. Disposing delivers what is queued,
/// within the shutdown timeout.
/// </summary>
internal sealed partial class CallRecordDispatcher : ICallRecordDispatcher, IAsyncDisposable, IDisposable
{
    private readonly Sink[] _sinks;
    private readonly ILogger _logger;
    private readonly PromptOpsCallOptions _options;
    private readonly int _wakeAt;
    private readonly ConcurrentQueue<PromptCallRecord> _queue = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly DeliveryProgress _progress = new();
    private readonly Task _worker;
    private volatile bool _closed;
    private int _waiting;
    private int _wakeRequested;
    private long _dropped;
    private long _sinkErrors;
    private int _disposed;

    public CallRecordDispatcher(IEnumerable<IPromptCallSink> sinks, ILogger<CallRecordDispatcher>? logger = null, PromptOpsCallOptions? options = null)
    {
        _options = options ?? new PromptOpsCallOptions();
        _sinks = [.. sinks.Select(s => new Sink(s))];
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        // Without an interval every record wakes the worker at once (the lowest latency, at the wake-up cost per call).
        _wakeAt = _options.DeliveryInterval <= TimeSpan.Zero ? 1 : Math.Clamp(_options.QueueCapacity / 2, 1, _options.BatchSizeLimit);
        _worker = _sinks.Length == 0 ? Task.CompletedTask : Task.Run(DeliverAsync);
    }

    public long DroppedCount => Interlocked.Read(ref _dropped);

    public long SinkErrorCount => Interlocked.Read(ref _sinkErrors);

    public int PendingCount => _progress.Pending;

    /// <summary>Gets a value indicating whether any sink is registered; without one, records are not even built.</summary>
    public bool HasSinks => _sinks.Length > 0;

    /// <summary>Queues a finished call's record without waiting; returns <see langword="false"/> (and counts a drop) when the queue is full or closed.</summary>
    public bool TryEnqueue(PromptCallRecord record)
    {
        if (_sinks.Length == 0)
        {
            return true;
        }

        if (_closed || _progress.Pending >= _options.QueueCapacity)
        {
            CountDrop(record.RequestId);
            return false;
        }

        _progress.Accept();
        _queue.Enqueue(record);
        if (Interlocked.Increment(ref _waiting) >= _wakeAt)
        {
            Wake();
        }

        return true;
    }

    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Wake();
        return _progress.WaitAsync(_worker, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _closed = true;
        Wake();
        _stopping.CancelAfter(_options.ShutdownTimeout);
        try
        {
            await _worker.WaitAsync(_options.ShutdownTimeout + _options.ShutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogFlushTimedOut(_logger, PendingCount, _options.ShutdownTimeout);
        }

        // A record queued while the worker made its last pass has no one to deliver it: count it, never lose it silently.
        while (_worker.IsCompleted && _queue.TryDequeue(out var late))
        {
            CountDrop(late.RequestId);
        }

        _stopping.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Wakes the worker now; requests made while it is already awake are merged into one.</summary>
    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakeRequested, 1) == 0)
        {
            _wake.Release();
        }
    }

    private async Task DeliverAsync()
    {
        var batch = new List<PromptCallRecord>(Math.Min(_options.BatchSizeLimit, 1024));
        while (true)
        {
            var closed = _closed;
            if (!closed)
            {
                // Sleep until the interval ends or a waiting batch, a flush or disposal wakes the worker.
                await _wake.WaitAsync(_options.DeliveryInterval > TimeSpan.Zero ? _options.DeliveryInterval : Timeout.InfiniteTimeSpan).ConfigureAwait(false);
                closed = _closed;
            }

            Volatile.Write(ref _wakeRequested, 0);
            Interlocked.Exchange(ref _waiting, 0);
            while (Take(batch))
            {
                foreach (var sink in _sinks)
                {
                    await WriteAsync(sink, batch).ConfigureAwait(false);
                }

                _progress.Finish(batch.Count);
                batch.Clear();
            }

            if (closed)
            {
                // Closed before this pass: everything queued before disposal is delivered.
                break;
            }
        }

        _progress.Close();
    }

    private bool Take(List<PromptCallRecord> batch)
    {
        while (batch.Count < _options.BatchSizeLimit && _queue.TryDequeue(out var record))
        {
            batch.Add(record);
        }

        return batch.Count > 0;
    }

    /// <summary>Writes a batch to one sink, retrying with doubling delays; a batch still failing is counted as lost for that sink.</summary>
    private async Task WriteAsync(Sink sink, List<PromptCallRecord> batch)
    {
        var delay = _options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await sink.Target.WriteBatchAsync(batch, _stopping.Token).ConfigureAwait(false);
                if (sink.LostThisEpisode > 0)
                {
                    LogSinkRecovered(_logger, sink.Name, sink.LostThisEpisode);
                    sink.LostThisEpisode = 0;
                }

                return;
            }
            catch (Exception ex)
            {
                if (attempt <= _options.WriteRetries && !_stopping.IsCancellationRequested)
                {
                    try
                    {
                        await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Shutting down: no more retries.
                    }

                    delay += delay;
                    continue;
                }

                Interlocked.Add(ref _sinkErrors, batch.Count);
                PromptOpsTelemetry.SinkErrors.Add(batch.Count, new KeyValuePair<string, object?>(PromptOpsTelemetry.SinkAttribute, sink.Name));
                if (sink.LostThisEpisode == 0)
                {
                    LogSinkFailed(_logger, ex, sink.Name, batch.Count, attempt, batch[0].RequestId);
                }

                sink.LostThisEpisode += batch.Count;
                return;
            }
        }
    }

    private void CountDrop(string requestId)
    {
        var dropped = Interlocked.Increment(ref _dropped);
        PromptOpsTelemetry.SinkDropped.Add(1);
        if (dropped == 1 || dropped % 1000 == 0)
        {
            LogRecordsDropped(_logger, dropped, requestId);
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "The call-record queue is full: {DroppedCount} record(s) dropped so far (latest: request {RequestId}). A sink is slower than the call rate; raise PromptOps:Calls:QueueCapacity or speed up the sink.")]
    private static partial void LogRecordsDropped(ILogger logger, long droppedCount, string requestId);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "The call-record sink '{Sink}' could not write a batch of {Count} record(s) (from request {RequestId}) after {Attempts} attempt(s); they are lost for this sink. The calls were not affected. This is logged once until the sink works again.")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string sink, int count, int attempts, string requestId);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Shutting down with {PendingCount} call record(s) not yet written: the sinks did not finish within {Timeout}. Raise PromptOps:Calls:ShutdownTimeout to wait longer.")]
    private static partial void LogFlushTimedOut(ILogger logger, int pendingCount, TimeSpan timeout);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Information, Message = "The call-record sink '{Sink}' writes again; {Lost} record(s) were lost while it failed.")]
    private static partial void LogSinkRecovered(ILogger logger, string sink, long lost);

    /// <summary>A sink and whether it is failing (for logging once per episode); touched by the worker only.</summary>
    private sealed class Sink(IPromptCallSink target)
    {
        public IPromptCallSink Target => target;

        public string Name { get; } = target.GetType().FullName ?? target.GetType().Name;

        public long LostThisEpisode { get; set; }
    }
}
