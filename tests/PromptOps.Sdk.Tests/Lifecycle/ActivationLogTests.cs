using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Lifecycle;

public sealed class ActivationLogTests
{
    private static PromptActivation Activation(string id = "customer-support", string environment = "production", string to = "2.0.0", int minute = 0) =>
        SampleActivations.Rollback(id, environment, to, minute);

    [Fact]
    public async Task InMemory_OverCapacity_DropsTheOldestFirst()
    {
        var log = new InMemoryActivationLog(capacity: 3);

        for (var minute = 0; minute < 5; minute++)
        {
            await log.RecordAsync(Activation(minute: minute));
        }

        Assert.Equal([2, 3, 4], (await log.GetHistoryAsync()).Select(a => a.Timestamp.Minute));
    }

    [Fact]
    public async Task InMemory_ManyParallelWriters_KeepEveryRecord()
    {
        var log = new InMemoryActivationLog();

        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), async (i, ct) => await log.RecordAsync(Activation(to: $"1.0.{i}"), ct));

        Assert.Equal(1000, (await log.GetHistoryAsync()).Select(a => a.ToVersion).Distinct().Count());
    }

    [Fact]
    public async Task InMemory_TryRecordAsync_ManyWritersExpectingTheSameLatest_ExactlyOneAppends()
    {
        var log = new InMemoryActivationLog();
        var first = Activation();
        await log.RecordAsync(first);

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () => await log.TryRecordAsync(Activation(to: $"1.0.{i}"), first.Id))));

        Assert.Single(results, appended => appended);
        Assert.Equal(2, (await log.GetHistoryAsync()).Count);
    }

    [Fact]
    public void ToString_SummarisesWhoSwitchedWhatAndWhy()
    {
        var activation = new PromptActivation
        {
            Id = "a7k2m9x4q1z",
            PromptId = "customer-support",
            Environment = "production",
            FromVersion = null,
            ToVersion = "2.0.0",
            ActivatedBy = "ann",
            Timestamp = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero),
            Reason = "rollback",
        };

        Assert.Equal("2026-11-23 09:00:00Z a7k2m9x4q1z production customer-support (highest published) -> 2.0.0 by ann: rollback", activation.ToString());
        Assert.Equal("2026-11-23 09:00:00Z a7k2m9x4q1z requested production customer-support (highest published) -> 2.0.0 by ann: rollback", new PromptActivation
        {
            Id = activation.Id,
            PromptId = activation.PromptId,
            Environment = activation.Environment,
            ToVersion = activation.ToVersion,
            ActivatedBy = activation.ActivatedBy,
            Timestamp = activation.Timestamp,
            Reason = activation.Reason,
            Kind = PromptActivationKind.Requested,
        }.ToString());
    }
}
