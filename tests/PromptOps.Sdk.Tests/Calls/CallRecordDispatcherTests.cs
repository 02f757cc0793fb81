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
        Assert.Contains(pipeline.Logs.GetSnapshot(), l => l.Message.Contains($"'{typeof(ThrowingSink).FullName}' failed", StringComparison.Ordinal) && l.Exception is InvalidOperationException);
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

        Assert.Equal(50, pipeline.Inner.Calls);
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

    private static PromptCallRecord Record(string id) => new() { RequestId = id, Timestamp = DateTimeOffset.UnixEpoch, Feature = "test" };

    private sealed class ThrowingSink : IPromptCallSink
    {
        public ValueTask WriteAsync(PromptCallRecord record, CancellationToken cancellationToken) => throw new InvalidOperationException("The sink's disk is full.");
    }

    private sealed class BlockingSink : IPromptCallSink
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate.TrySetResult();

        public async ValueTask WriteAsync(PromptCallRecord record, CancellationToken cancellationToken) => await _gate.Task.WaitAsync(cancellationToken);
    }

    private sealed class DelayingSink(TimeSpan delay) : IPromptCallSink
    {
        public async ValueTask WriteAsync(PromptCallRecord record, CancellationToken cancellationToken) => await Task.Delay(delay, cancellationToken);
    }
}
