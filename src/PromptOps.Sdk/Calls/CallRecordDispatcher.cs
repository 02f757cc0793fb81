using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PromptOps;

/// <summary>
/// Hands call records to the sinks on one background worker, in batches. A chat call only appends its record to a buffer
/// under a short lock: the worker is not woken per record (on a busy process that wake-up cost the calling thread about
/// 2 µs), but when <see cref="PromptOpsCallOptions.DeliveryInterval"/> has passed, when a batch has filled up, on
/// <see cref="FlushAsync"/> and on disposal. Writers never wait: when <see cref="PromptOpsCallOptions.QueueCapacity"/>
/// records are waiting, the record is dropped and counted. Disposing delivers what is buffered, within the shutdown timeout.
/// </summary>
internal sealed partial class CallRecordDispatcher : ICallRecordDispatcher, IAsyncDisposable, IDisposable
{
    /// <summary>The most records that wait before the worker is woken early: one wake-up per 64 calls, and few records held across a collection.</summary>
    internal const int MaxBatchSize = 64;

    private readonly IPromptCallSink[] _sinks;
    private readonly ILogger _logger;
    private readonly TimeSpan _shutdownTimeout;
    private readonly TimeSpan _interval;
    private readonly int _capacity;
    private readonly int _batchSize;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _worker;
    private readonly DeliveryProgress _progress = new();
    private List<IPendingCallRecord> _buffer = [];
    private bool _closed;
    private int _wakeRequested;
    private long _dropped;
    private long _sinkErrors;
    private int _disposed;

    public CallRecordDispatcher(IEnumerable<IPromptCallSink> sinks, ILogger<CallRecordDispatcher>? logger = null, PromptOpsCallOptions? options = null)
    {
        options ??= new PromptOpsCallOptions();
        _sinks = [.. sinks];
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _shutdownTimeout = options.ShutdownTimeout;
        _interval = options.DeliveryInterval;
        _capacity = options.QueueCapacity;

        // Without an interval every record wakes the worker at once (the lowest latency, at the wake-up cost per call).
        _batchSize = _interval <= TimeSpan.Zero ? 1 : Math.Clamp(_capacity / 2, 1, MaxBatchSize);
        _worker = _sinks.Length == 0 ? Task.CompletedTask : Task.Run(DeliverAsync);
    }

    public long DroppedCount => Interlocked.Read(ref _dropped);

    public long SinkErrorCount => Interlocked.Read(ref _sinkErrors);

    public int PendingCount => _progress.Pending;

    /// <summary>Gets a value indicating whether any sink is registered; without one, records are not even built.</summary>
    public bool HasSinks => _sinks.Length > 0;

    /// <summary>
    /// Buffers a record, or a finished call whose record the worker builds, without waiting; returns <see langword="false"/>
    /// (and counts a drop) when the queue is full or closed.
    /// </summary>
    public bool TryEnqueue(IPendingCallRecord record)
    {
        if (_sinks.Length == 0)
        {
            return true;
        }

        int buffered;
        lock (_gate)
        {
            // Waiting counts the records the worker holds but has not delivered yet, not only those still buffered.
            if (_closed || _progress.Pending >= _capacity)
            {
                buffered = -1;
            }
            else
            {
                _buffer.Add(record);
                _progress.Accept();
                buffered = _buffer.Count;
            }
        }

        if (buffered < 0)
        {
            CountDrop(record);
            return false;
        }

        if (buffered >= _batchSize)
        {
            Wake();
        }

        return true;
    }

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Wake();
        await _progress.WaitAsync(_worker, cancellationToken).ConfigureAwait(false);
        foreach (var sink in _sinks)
        {
            await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        lock (_gate)
        {
            _closed = true;
        }

        Wake();
        _stopping.CancelAfter(_shutdownTimeout);
        try
        {
            await _worker.WaitAsync(_shutdownTimeout + _shutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogFlushTimedOut(_logger, PendingCount, _shutdownTimeout);
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
        var batch = new List<IPendingCallRecord>();
        var closed = false;
        while (true)
        {
            if (!closed)
            {
                // Sleep until the interval ends or a full batch, a flush or disposal wakes the worker.
                await _wake.WaitAsync(_interval > TimeSpan.Zero ? _interval : Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            }

            lock (_gate)
            {
                (batch, _buffer) = (_buffer, batch);
                closed = _closed;
                Volatile.Write(ref _wakeRequested, 0);
            }

            if (closed && batch.Count == 0)
            {
                // Closed under the lock before this (empty) swap: nothing can be buffered any more.
                break;
            }

            foreach (var pending in batch)
            {
                await DeliverAsync(pending).ConfigureAwait(false);
            }

            // Counted once per batch: the calls count what they add on the same counters, so per record the two threads
            // would take turns owning that memory.
            _progress.Finish(batch.Count);
            batch.Clear();
        }

        _progress.Close();
    }

    private async ValueTask DeliverAsync(IPendingCallRecord pending)
    {
        PromptCallRecord record;
        try
        {
            record = pending.ToRecord();
            record.ApplyRedaction();
        }
        catch (Exception ex)
        {
            // A record that cannot be built (a bug, or content that cannot be read) must not stop the worker.
            Interlocked.Increment(ref _sinkErrors);
            LogRecordFailed(_logger, ex, pending.RequestId);
            return;
        }

        foreach (var sink in _sinks)
        {
            try
            {
                await sink.WriteAsync(record, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _sinkErrors);
                PromptOpsTelemetry.SinkErrors.Add(1, new KeyValuePair<string, object?>("promptops.sink", sink.GetType().Name));
                LogSinkFailed(_logger, ex, sink.GetType().FullName ?? sink.GetType().Name, record.RequestId);
            }
        }
    }

    private void CountDrop(IPendingCallRecord record)
    {
        var dropped = Interlocked.Increment(ref _dropped);
        PromptOpsTelemetry.SinkDropped.Add(1);
        if (dropped == 1 || dropped % 1000 == 0)
        {
            LogRecordsDropped(_logger, dropped, record.RequestId);
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "The call-record queue is full: {DroppedCount} record(s) dropped so far (latest: request {RequestId}). A sink is slower than the call rate; raise PromptOps:Calls:QueueCapacity or speed up the sink.")]
    private static partial void LogRecordsDropped(ILogger logger, long droppedCount, string requestId);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "The call-record sink '{Sink}' failed to write the record of request {RequestId}. The call itself was not affected.")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string sink, string requestId);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Error, Message = "The record of request {RequestId} could not be built, so no sink received it. The call itself was not affected.")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Shutting down with {PendingCount} call record(s) not yet written: the sinks did not finish within {Timeout}. Raise PromptOps:Calls:ShutdownTimeout to wait longer.")]
    private static partial void LogFlushTimedOut(ILogger logger, int pendingCount, TimeSpan timeout);
}
