using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PromptOps;

/// <summary>
/// Hands call records to the sinks on one background worker. Writers never wait: when the bounded queue is full the record
/// is dropped and counted. Disposing completes the queue and flushes what is buffered, within the shutdown timeout.
/// </summary>
internal sealed partial class CallRecordDispatcher : ICallRecordDispatcher, IAsyncDisposable, IDisposable
{
    private readonly IPromptCallSink[] _sinks;
    private readonly ILogger _logger;
    private readonly TimeSpan _shutdownTimeout;
    private readonly Channel<PromptCallRecord> _channel;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _worker;
    private readonly DeliveryProgress _progress = new();
    private long _dropped;
    private long _sinkErrors;
    private int _disposed;

    public CallRecordDispatcher(IEnumerable<IPromptCallSink> sinks, ILogger<CallRecordDispatcher>? logger = null, PromptOpsCallOptions? options = null)
    {
        options ??= new PromptOpsCallOptions();
        _sinks = [.. sinks];
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _shutdownTimeout = options.ShutdownTimeout;
        _channel = Channel.CreateBounded<PromptCallRecord>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _worker = _sinks.Length == 0 ? Task.CompletedTask : Task.Run(DeliverAsync);
    }

    public long DroppedCount => Interlocked.Read(ref _dropped);

    public long SinkErrorCount => Interlocked.Read(ref _sinkErrors);

    public int PendingCount => _progress.Pending;

    /// <summary>Gets a value indicating whether any sink is registered; without one, records are not even built.</summary>
    public bool HasSinks => _sinks.Length > 0;

    /// <summary>Queues a record without waiting; returns <see langword="false"/> (and counts a drop) when the queue is full or closed.</summary>
    public bool TryEnqueue(PromptCallRecord record)
    {
        if (_sinks.Length == 0)
        {
            return true;
        }

        if (_channel.Writer.TryWrite(record))
        {
            _progress.Accept();
            return true;
        }

        var dropped = Interlocked.Increment(ref _dropped);
        PromptOpsTelemetry.SinkDropped.Add(1);
        if (dropped == 1 || dropped % 1000 == 0)
        {
            LogRecordsDropped(_logger, dropped, record.RequestId);
        }

        return false;
    }

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
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

        _channel.Writer.TryComplete();
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

    private async Task DeliverAsync()
    {
        await foreach (var record in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            record.ApplyRedaction();
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

            _progress.Finish(1);
        }

        _progress.Close();
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "The call-record queue is full: {DroppedCount} record(s) dropped so far (latest: request {RequestId}). A sink is slower than the call rate; raise PromptOps:Calls:QueueCapacity or speed up the sink.")]
    private static partial void LogRecordsDropped(ILogger logger, long droppedCount, string requestId);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "The call-record sink '{Sink}' failed to write the record of request {RequestId}. The call itself was not affected.")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string sink, string requestId);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Shutting down with {PendingCount} call record(s) not yet written: the sinks did not finish within {Timeout}. Raise PromptOps:Calls:ShutdownTimeout to wait longer.")]
    private static partial void LogFlushTimedOut(ILogger logger, int pendingCount, TimeSpan timeout);
}
