using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PromptOps;

/// <summary>
/// Hands call records to the sinks on one background worker, in batches. A chat call only copies its record's values into
/// a reused buffer under a short lock (<see cref="PendingCallRecord"/>: nothing of the call stays alive while the record
/// waits, and nothing is allocated to queue it). The worker is not woken per record (on a busy process that wake-up cost
/// the calling thread about 2 µs), but when <see cref="PromptOpsCallOptions.DeliveryInterval"/> has passed, when a batch
/// has filled up, on <see cref="FlushAsync"/> and on disposal. Writers never wait: when
/// <see cref="PromptOpsCallOptions.QueueCapacity"/> records are waiting, the record is dropped and counted. Disposing
/// delivers what is buffered, within the shutdown timeout.
/// </summary>
internal sealed partial class CallRecordDispatcher : ICallRecordDispatcher, IAsyncDisposable, IDisposable
{
    /// <summary>The most records that wait before the worker is woken early: one wake-up per 64 calls, and few records held across a collection.</summary>
    internal const int MaxBatchSize = 64;

    /// <summary>How many delivered segments are kept for reuse; a burst that needed more lets the rest go.</summary>
    private const int MaxFreeSegments = 4;

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
    private readonly Stack<PendingCallRecord[]> _free = new();
    private List<Segment> _ready = [];
    private PendingCallRecord[] _filling;
    private int _filled;
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
        _filling = _sinks.Length == 0 ? [] : new PendingCallRecord[_batchSize];
        _worker = _sinks.Length == 0 ? Task.CompletedTask : Task.Run(DeliverAsync);
    }

    public long DroppedCount => Interlocked.Read(ref _dropped);

    public long SinkErrorCount => Interlocked.Read(ref _sinkErrors);

    public int PendingCount => _progress.Pending;

    /// <summary>Gets a value indicating whether any sink is registered; without one, records are not even built.</summary>
    public bool HasSinks => _sinks.Length > 0;

    /// <summary>
    /// Copies a finished call's record into the buffer without waiting; returns <see langword="false"/> (and counts a drop)
    /// when the queue is full or closed. A full batch is handed to the worker, which is woken.
    /// </summary>
    public bool TryEnqueue(in PendingCallRecord record)
    {
        if (_sinks.Length == 0)
        {
            return true;
        }

        bool accepted, batchFull = false;
        lock (_gate)
        {
            // Waiting counts the records the worker holds but has not delivered yet, not only those still buffered.
            accepted = !_closed && _progress.Pending < _capacity;
            if (accepted)
            {
                _filling[_filled++] = record;
                _progress.Accept();
                if (_filled == _filling.Length)
                {
                    // A full batch goes to the worker, which is woken; calls go on filling another buffer.
                    TakeFilling(_ready);
                    batchFull = true;
                }
            }
        }

        if (!accepted)
        {
            CountDrop(in record);
            return false;
        }

        if (batchFull)
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
        var taken = new List<Segment>();
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
                (taken, _ready) = (_ready, taken);
                if (_filled > 0)
                {
                    TakeFilling(taken);
                }

                closed = _closed;
                Volatile.Write(ref _wakeRequested, 0);
            }

            if (closed && taken.Count == 0)
            {
                // Closed under the lock before this (empty) take: nothing can be buffered any more.
                break;
            }

            var delivered = 0;
            foreach (var segment in taken)
            {
                for (var i = 0; i < segment.Count; i++)
                {
                    await DeliverAsync(segment.Records, i).ConfigureAwait(false);
                }

                // Cleared before reuse: a delivered record must not keep its error or content alive.
                Array.Clear(segment.Records, 0, segment.Count);
                delivered += segment.Count;
            }

            lock (_gate)
            {
                foreach (var segment in taken)
                {
                    if (_free.Count < MaxFreeSegments)
                    {
                        _free.Push(segment.Records);
                    }
                }
            }

            // Counted once per batch: the calls count what they add on the same counters, so per record the two threads
            // would take turns owning that memory.
            _progress.Finish(delivered);
            taken.Clear();
        }

        _progress.Close();
    }

    /// <summary>Moves the segment being filled to <paramref name="taken"/> and starts another; under the lock.</summary>
    private void TakeFilling(List<Segment> taken)
    {
        taken.Add(new Segment(_filling, _filled));
        _filling = _free.TryPop(out var reused) ? reused : new PendingCallRecord[_batchSize];
        _filled = 0;
    }

    private async ValueTask DeliverAsync(PendingCallRecord[] records, int index)
    {
        PromptCallRecord record;
        try
        {
            record = records[index].ToRecord();
            record.ApplyRedaction();
        }
        catch (Exception ex)
        {
            // A record that cannot be built (a bug, or content that cannot be read) must not stop the worker.
            Interlocked.Increment(ref _sinkErrors);
            LogRecordFailed(_logger, ex, records[index].RequestId);
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

    private void CountDrop(in PendingCallRecord record)
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

    /// <summary>Records waiting for the worker: a buffer and how many of its slots are filled.</summary>
    private readonly record struct Segment(PendingCallRecord[] Records, int Count);
}
