using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Calls;

public class CallRecordDispatcherTests
{
    [Fact]
    public async Task ThrowingSink_CallStillSucceedsAndOtherSinksStillReceive()
    {
        await using var pipeline = Pipeline.Create(services: s => s.AddSingleton<IPromptCallSink, ThrowingSink>());

        var response = await pipeline.Client.GetResponseAsync("hi");

        Assert.Equal("Hello from the fake model.", response.Text);
        Assert.Single(await pipeline.RecordsAsync());
        Assert.Equal(1, pipeline.Dispatcher.SinkErrorCount);
        Assert.Contains(pipeline.Logs.GetSnapshot(), l => l.Message.Contains($"'{typeof(ThrowingSink).FullName}' could not write a batch of 1 record(s)", StringComparison.Ordinal) && l.Exception is InvalidOperationException);
    }

    [Fact]
    public async Task WriteBatchAsync_SinkFailsTwiceThenWorks_EveryRecordIsStoredAndRecoveryIsLogged()
    {
        var sink = new FlakySink(failures: 2);
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogger<CallRecordDispatcher>();
        await using var dispatcher = new CallRecordDispatcher([sink], logs, new PromptOpsCallOptions { RetryDelay = TimeSpan.FromMilliseconds(1), WriteRetries = 2 });
        for (var i = 0; i < 3; i++)
        {
            dispatcher.TryEnqueue(Record($"r{i}"));
        }

        await dispatcher.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["r0", "r1", "r2"], sink.Stored.Select(r => r.RequestId));
        Assert.Equal(0, dispatcher.SinkErrorCount);
        Assert.Equal(3, sink.Attempts);
    }

    [Fact]
    public async Task WriteBatchAsync_SinkFailsPastItsRetries_RecordsAreCountedAndTheNextBatchIsStoredWithRecoveryLogged()
    {
        var sink = new FlakySink(failures: 2);
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogger<CallRecordDispatcher>();
        await using var dispatcher = new CallRecordDispatcher([sink], logs, new PromptOpsCallOptions { RetryDelay = TimeSpan.FromMilliseconds(1), WriteRetries = 1 });
        dispatcher.TryEnqueue(Record("lost-1"));
        dispatcher.TryEnqueue(Record("lost-2"));
        await dispatcher.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));

        dispatcher.TryEnqueue(Record("stored"));
        await dispatcher.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["stored"], sink.Stored.Select(r => r.RequestId));
        Assert.Equal(2, dispatcher.SinkErrorCount);
        Assert.Contains(logs.Collector.GetSnapshot(), l => l.Message.Contains("after 2 attempt(s)", StringComparison.Ordinal));
        Assert.Contains(logs.Collector.GetSnapshot(), l => l.Message.Contains("writes again; 2 record(s) were lost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteBatchAsync_MoreRecordsThanTheBatchSizeLimit_NoBatchIsLarger()
    {
        var sink = new CollectingSink();
        var dispatcher = new CallRecordDispatcher([sink], options: new PromptOpsCallOptions { DeliveryInterval = TimeSpan.FromMinutes(1), BatchSizeLimit = 7 });
        for (var i = 0; i < 50; i++)
        {
            dispatcher.TryEnqueue(Record($"r{i}"));
        }

        await dispatcher.DisposeAsync();

        Assert.Equal(50, sink.Records.Count);
        Assert.InRange(sink.LargestBatch, 1, 7);
    }

    [Fact]
    public async Task SlowSinkWithFullQueue_CallsAreNotHeldAndDropsAreCounted()
    {
        var gate = new BlockingSink();
        using var dropped = new MetricCollector<long>(null, PromptOpsTelemetry.MeterName, PromptOpsTelemetry.SinkDroppedMetric);
        await using var pipeline = Pipeline.Create(configure: o => o.Calls.QueueCapacity = 5, services: s => s.AddSingleton<IPromptCallSink>(gate));

        for (var i = 0; i < 50; i++)
        {
            await pipeline.Client.GetResponseAsync("hi").WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(50, pipeline.Inner.CallCount);
        Assert.InRange(pipeline.Dispatcher.DroppedCount, 44, 45);
        Assert.True(dropped.GetMeasurementSnapshot().Sum(m => m.Value) >= pipeline.Dispatcher.DroppedCount);
        gate.Release();
        var delivered = await pipeline.RecordsAsync();
        Assert.Equal(50 - pipeline.Dispatcher.DroppedCount, delivered.Count);
    }

    [Fact]
    public async Task DisposeAsync_BufferedRecords_AreFlushedToTheSinks()
    {
        var sink = new CollectingSink();
        var slow = new DelayingSink(TimeSpan.FromMilliseconds(5));
        var dispatcher = new CallRecordDispatcher([slow, sink]);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(dispatcher.TryEnqueue(Record($"r{i}")));
        }

        await dispatcher.DisposeAsync();

        Assert.Equal(20, sink.Records.Count);
        Assert.Equal("r19", sink.Records[^1].RequestId);
    }

    [Fact]
    public async Task TryEnqueue_WithoutFlush_RecordsReachTheSinksWithinTheDeliveryInterval()
    {
        var sink = new CollectingSink();
        await using var dispatcher = new CallRecordDispatcher([sink], options: new PromptOpsCallOptions { DeliveryInterval = TimeSpan.FromMilliseconds(50) });

        Assert.True(dispatcher.TryEnqueue(Record("r1")));

        Assert.True(await Eventually(() => sink.Records.Count == 1), "The record was not delivered after its delivery interval.");
        Assert.Equal(0, dispatcher.PendingCount);
    }

    [Fact]
    public async Task FlushAsync_LongDeliveryInterval_DeliversAtOnce()
    {
        var sink = new CollectingSink();
        await using var dispatcher = new CallRecordDispatcher([sink], options: new PromptOpsCallOptions { DeliveryInterval = TimeSpan.FromMinutes(1) });
        for (var i = 0; i < 3; i++)
        {
            dispatcher.TryEnqueue(Record($"r{i}"));
        }

        await dispatcher.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["r0", "r1", "r2"], sink.Records.Select(r => r.RequestId));
    }

    [Fact]
    public async Task TryEnqueue_HalfTheQueueWaiting_WakesTheWorkerBeforeTheInterval()
    {
        var sink = new CollectingSink();
        await using var dispatcher = new CallRecordDispatcher([sink], options: new PromptOpsCallOptions { DeliveryInterval = TimeSpan.FromMinutes(1), QueueCapacity = 10 });

        for (var i = 0; i < 4; i++)
        {
            dispatcher.TryEnqueue(Record($"r{i}"));
        }

        await Task.Delay(200);
        Assert.Empty(sink.Records);
        dispatcher.TryEnqueue(Record("r4"));

        Assert.True(await Eventually(() => sink.Records.Count == 5), "Five of ten waiting records did not wake the worker.");
    }

    [Fact]
    public async Task TryEnqueue_ZeroDeliveryInterval_DeliversEachRecordWithoutWaiting()
    {
        var sink = new CollectingSink();
        await using var dispatcher = new CallRecordDispatcher([sink], options: new PromptOpsCallOptions { DeliveryInterval = TimeSpan.Zero });

        dispatcher.TryEnqueue(Record("r1"));

        Assert.True(await Eventually(() => sink.Records.Count == 1), "A zero interval did not deliver the record at once.");
    }

    [Fact]
    public async Task TryEnqueue_ManyParallelWriters_EveryAcceptedRecordIsDeliveredOnce()
    {
        var sink = new CollectingSink();
        var dispatcher = new CallRecordDispatcher([sink], options: new PromptOpsCallOptions { DeliveryInterval = TimeSpan.FromMilliseconds(5), QueueCapacity = 100_000 });

        var accepted = await Task.WhenAll(Enumerable.Range(0, 16).Select(writer => Task.Run(() =>
            Enumerable.Range(0, 2_000).Count(i => dispatcher.TryEnqueue(Record($"w{writer}-{i}"))))));
        await dispatcher.DisposeAsync();

        Assert.Equal(32_000, accepted.Sum());
        Assert.Equal(0, dispatcher.DroppedCount);
        Assert.Equal(32_000, sink.Records.Select(r => r.RequestId).Distinct().Count());
        Assert.Equal(32_000, sink.Records.Count);
        Assert.False(dispatcher.TryEnqueue(Record("after")), "A disposed dispatcher accepted a record it will never deliver.");
        Assert.Equal(1, dispatcher.DroppedCount);
    }

    [Fact]
    public async Task FlushAsync_RecordsDelivered_DispatcherKeepsNoneOfThemAlive()
    {
        // A delivered record must not stay reachable from the dispatcher: it may carry captured content.
        var sink = new CountingSink();
        await using var dispatcher = new CallRecordDispatcher([sink], options: new PromptOpsCallOptions { DeliveryInterval = TimeSpan.FromMinutes(1) });
        var delivered = EnqueueUnreferenced(dispatcher, count: 3);

        await dispatcher.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.Equal(3, sink.Count);
        Assert.All(delivered, record => Assert.False(record.IsAlive, "The dispatcher still holds a record it has delivered."));
    }

    [Fact]
    public async Task TryEnqueue_MoreRecordsThanOneBatch_DeliversThemInTheOrderAccepted()
    {
        var sink = new CollectingSink();
        var dispatcher = new CallRecordDispatcher([sink], options: new PromptOpsCallOptions { DeliveryInterval = TimeSpan.FromMilliseconds(5), BatchSizeLimit = 64 });
        var ids = Enumerable.Range(0, 64 * 5 + 7).Select(i => $"r{i}").ToList();

        foreach (var id in ids)
        {
            Assert.True(dispatcher.TryEnqueue(Record(id)));
        }

        await dispatcher.DisposeAsync();

        Assert.Equal(ids, sink.Records.Select(r => r.RequestId));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> EnqueueUnreferenced(CallRecordDispatcher dispatcher, int count)
    {
        var references = new List<WeakReference>();
        for (var i = 0; i < count; i++)
        {
            var record = Record($"r{i}");
            references.Add(new WeakReference(record));
            Assert.True(dispatcher.TryEnqueue(record));
        }

        return references;
    }

    private static async Task<bool> Eventually(Func<bool> condition)
    {
        for (var waited = 0; waited < 10_000 && !condition(); waited += 10)
        {
            await Task.Delay(10);
        }

        return condition();
    }

    private static PromptCallRecord Record(string id) => new() { RequestId = id, Timestamp = DateTimeOffset.UnixEpoch, Feature = "test" };

    private sealed class CountingSink : IPromptCallSink
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _count, records.Count);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ThrowingSink : IPromptCallSink
    {
        public ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken) => throw new InvalidOperationException("The sink's disk is full.");
    }

    private sealed class BlockingSink : IPromptCallSink
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate.TrySetResult();

        public async ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken) => await _gate.Task.WaitAsync(cancellationToken);
    }

    private sealed class DelayingSink(TimeSpan delay) : IPromptCallSink
    {
        public async ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken) => await Task.Delay(delay, cancellationToken);
    }

    /// <summary>Fails its first writes (a locked file, say), then stores what it is given.</summary>
    private sealed class FlakySink(int failures) : IPromptCallSink
    {
        private readonly List<PromptCallRecord> _stored = [];
        private int _failuresLeft = failures;

        public IReadOnlyList<PromptCallRecord> Stored => _stored;

        public int Attempts { get; private set; }

        public ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken)
        {
            Attempts++;
            if (_failuresLeft-- > 0)
            {
                throw new IOException("The file is locked by another process.");
            }

            _stored.AddRange(records);
            return ValueTask.CompletedTask;
        }
    }
}
