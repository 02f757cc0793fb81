namespace PromptOps.Tests.PostgreSql;

/// <summary>Feedback in the PostgreSQL store: the same contract and the same summaries as SQLite.</summary>
public sealed class PostgreSqlFeedbackTests
{
    [Fact]
    public async Task SummarizeAsync_FeedbackOnTwoVersions_EqualsTheSummaryComputedFromTheRecords()
    {
        await using var pg = await PgStore.CreateAsync();
        await WriteCallsAsync(pg);
        var store = new PostgreSqlFeedbackStore(pg.OpenDatabase());
        foreach (var feedback in SampleFeedback.Feedback())
        {
            Assert.True(await store.TryRecordAsync(feedback));
        }

        Assert.Equal(SampleFeedback.ExpectedSummary(), await store.SummarizeAsync());

        // req-0 started at 08:00: a range from 08:01 leaves its feedback out, and nothing else.
        var fromMinuteOne = await store.SummarizeAsync(new DateTimeOffset(2026, 12, 1, 8, 1, 0, TimeSpan.Zero));
        Assert.Equal(SampleFeedback.Feedback().Count(f => f.RequestId != "req-0"), fromMinuteOne.Sum(s => s.Count));
    }

    [Fact]
    public async Task TryRecordAsync_UnknownRequestOrNulInText_RefusesTheOneAndKeepsTheOther()
    {
        await using var pg = await PgStore.CreateAsync();
        await WriteCallsAsync(pg);
        var store = new PostgreSqlFeedbackStore(pg.OpenDatabase());

        Assert.False(await store.TryRecordAsync(PromptFeedback.Thumbs("no-such-request", up: true) with { Timestamp = DateTimeOffset.UtcNow }));
        Assert.True(await store.TryRecordAsync(PromptFeedback.Thumbs("req-3", up: true) with { Comment = "a\0b <b>bold</b>", Timestamp = DateTimeOffset.UtcNow }));

        Assert.Equal("a\uFFFDb <b>bold</b>", Assert.Single(await store.GetAsync("req-3")).Comment);
        Assert.Equal(1, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.feedback"));
    }

    [Fact]
    public async Task TryRecordAsync_ManyParallelWriters_KeepEverySignal()
    {
        await using var pg = await PgStore.CreateAsync();
        await WriteCallsAsync(pg);
        var store = new PostgreSqlFeedbackStore(pg.OpenDatabase());

        await Parallel.ForEachAsync(Enumerable.Range(0, 1_000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            Assert.True(await store.TryRecordAsync(PromptFeedback.Scored($"req-{i % 40}", "judge", i) with { Timestamp = DateTimeOffset.UtcNow }, ct)));

        Assert.Equal(1_000, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.feedback"));
        Assert.Equal(Enumerable.Range(0, 1_000).Sum(), await pg.ScalarAsync("SELECT SUM(score)::bigint FROM promptops.feedback"));
    }

    private static async Task WriteCallsAsync(PgStore pg)
    {
        var (dispatcher, _) = pg.Recording();
        await using (dispatcher)
        {
            SampleFeedback.Calls().ForEach(c => Assert.True(dispatcher.TryEnqueue(c)));
            await dispatcher.FlushAsync();
        }
    }
}
