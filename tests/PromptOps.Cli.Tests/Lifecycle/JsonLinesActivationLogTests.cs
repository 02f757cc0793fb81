using PromptOps.Cli.Lifecycle;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Cli.Tests.Lifecycle;

/// <summary>The activation log the CLI keeps in a JSON-lines file when no store is given.</summary>
public sealed class JsonLinesActivationLogTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("promptops-activations-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static PromptActivation Activation(string id = "customer-support", string environment = "production", string to = "2.0.0", int minute = 0) =>
        SampleActivations.Rollback(id, environment, to, minute);

    [Fact]
    public async Task JsonLines_RecordThenRead_RoundTripsEveryFieldAcrossInstances()
    {
        var path = Path.Combine(_root, "audit", "activations.jsonl");
        await new JsonLinesActivationLog(path).RecordAsync(Activation());

        var read = Assert.Single(await new JsonLinesActivationLog(path).GetHistoryAsync());

        var expected = Activation();
        Assert.Equal(
            (expected.PromptId, expected.Environment, expected.FromVersion, expected.ToVersion, expected.ActivatedBy, expected.Timestamp, expected.Reason),
            (read.PromptId, read.Environment, read.FromVersion, read.ToVersion, read.ActivatedBy, read.Timestamp, read.Reason));
        Assert.Single(File.ReadAllLines(path)); // the newline in the reason is escaped: one record, one line
    }

    [Fact]
    public async Task JsonLines_ConcurrentWritersFromTwoInstances_KeepEveryRecordWhole()
    {
        var path = Path.Combine(_root, "activations.jsonl");
        var first = new JsonLinesActivationLog(path);
        var second = new JsonLinesActivationLog(path);

        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await (i % 2 == 0 ? first : second).RecordAsync(Activation(to: $"2.0.{i}"), ct));

        var history = await first.GetHistoryAsync();
        Assert.Equal(200, history.Count);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"2.0.{i}").Order(), history.Select(a => a.ToVersion).Order());
    }

    [Fact]
    public async Task JsonLines_GetHistory_FiltersByPromptAndEnvironmentOldestFirst()
    {
        var log = new JsonLinesActivationLog(Path.Combine(_root, "a.jsonl"));
        await log.RecordAsync(Activation(minute: 1));
        await log.RecordAsync(Activation(environment: "staging", minute: 2));
        await log.RecordAsync(Activation(id: "classify-intent", minute: 3));
        await log.RecordAsync(Activation(to: "2.1.0", minute: 4));

        var history = await log.GetHistoryAsync("customer-support", "PRODUCTION");

        Assert.Equal([1, 4], history.Select(a => a.Timestamp.Minute));
    }

    [Fact]
    public async Task JsonLines_MalformedLine_FailsNamingTheFileAndLine()
    {
        var path = Path.Combine(_root, "a.jsonl");
        var log = new JsonLinesActivationLog(path);
        await log.RecordAsync(Activation());
        await File.AppendAllTextAsync(path, "{ not json\n");

        var ex = await Assert.ThrowsAsync<InvalidDataException>(async () => await log.GetHistoryAsync());

        Assert.StartsWith($"{path}(2,1): the line is not an activation record", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonLines_MissingFile_HasNoHistory()
    {
        Assert.Empty(await new JsonLinesActivationLog(Path.Combine(_root, "none.jsonl")).GetHistoryAsync());
    }
}
