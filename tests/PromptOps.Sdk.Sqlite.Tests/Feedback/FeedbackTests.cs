using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PromptOps.Tests.Sqlite;

/// <summary>Feedback through <see cref="IPromptFeedback"/> on calls recorded in a SQLite store.</summary>
public sealed class FeedbackTests
{
    [Fact]
    public async Task RecordAsync_ThumbsRightAfterTheCall_IsStoredWithItsCall()
    {
        using var temp = new TempStore();
        await using var app = App(temp.ConnectionString);
        var requestId = await CallAsync(app, written: false); // its record is still queued: feedback writes it first

        var stored = await app.GetRequiredService<IPromptFeedback>().RecordAsync(PromptFeedback.Thumbs(requestId, up: false) with { GivenBy = "user-42" });

        var read = Assert.Single(await app.GetRequiredService<IPromptFeedback>().GetAsync(requestId));
        Assert.Equal(("thumbs", 0.0, "user-42"), (read.Name, read.Score, read.GivenBy));
        Assert.NotEqual(default, stored.Timestamp);
    }

    [Fact]
    public async Task RecordAsync_UnknownRequestId_ThrowsNamingItAndStoresNothing()
    {
        using var temp = new TempStore();
        await using var app = App(temp.ConnectionString);
        await CallAsync(app);

        var error = await Assert.ThrowsAsync<PromptFeedbackException>(() => app.GetRequiredService<IPromptFeedback>().RecordAsync(PromptFeedback.Thumbs("no-such-request", up: true)));

        Assert.Equal("no-such-request", error.RequestId);
        Assert.Contains("No call with request id 'no-such-request'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, temp.Scalar("SELECT COUNT(*) FROM feedback"));
    }

    [Fact]
    public async Task RecordAsync_CommentWithPersonalDataAndMarkup_IsRedactedAndKeptAsText()
    {
        using var temp = new TempStore();
        await using var app = App(temp.ConnectionString);
        var requestId = await CallAsync(app);

        await app.GetRequiredService<IPromptFeedback>().RecordAsync(PromptFeedback.Categorized(requestId, "issue", "wrong-answer") with { Comment = "<script>alert('x')</script> mail me at ann@example.com" });

        Assert.Equal("<script>alert('x')</script> mail me at [EMAIL]", temp.Text("SELECT comment FROM feedback"));
    }

    [Fact]
    public async Task RecordAsync_ContentCaptureOff_KeepsTheSignalButNotTheComment()
    {
        using var temp = new TempStore();
        await using var app = App(temp.ConnectionString, o => o.Calls.ContentCapture = PromptCallContentCapture.Off);
        var requestId = await CallAsync(app);

        var stored = await app.GetRequiredService<IPromptFeedback>().RecordAsync(PromptFeedback.Thumbs(requestId, up: true) with { Comment = "great" });

        Assert.Null(stored.Comment);
        Assert.Equal(1, temp.Scalar("SELECT COUNT(*) FROM feedback WHERE comment IS NULL AND score = 1"));
    }

    [Theory]
    [InlineData("Thumbs Up", 1.0, null, "name")]
    [InlineData("judge", double.NaN, null, "finite")]
    [InlineData("judge", null, null, "neither a score nor a category")]
    [InlineData("judge", 1.0, "huge-comment", "at most 4,000")]
    public async Task RecordAsync_MalformedFeedback_IsRefusedNamingTheField(string name, double? score, string? comment, string expected)
    {
        using var temp = new TempStore();
        await using var app = App(temp.ConnectionString);
        var requestId = await CallAsync(app);
        var feedback = new PromptFeedback { RequestId = requestId, Name = name, Score = score, Comment = comment == "huge-comment" ? new string('x', 100_000) : comment };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => app.GetRequiredService<IPromptFeedback>().RecordAsync(feedback));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, temp.Scalar("SELECT COUNT(*) FROM feedback"));
    }

    [Fact]
    public async Task RecordAsync_WithoutAStore_ThrowsSayingHowToAddOne()
    {
        await using var app = new ServiceCollection().AddLogging().AddPromptOps().Services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<PromptFeedbackException>(() => app.GetRequiredService<IPromptFeedback>().RecordAsync(PromptFeedback.Thumbs("req-1", up: true)));

        Assert.Contains("AddSqliteStore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordAsync_ManyParallelCallers_KeepEverySignal()
    {
        using var temp = new TempStore();
        await using var app = App(temp.ConnectionString);
        var requestIds = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            requestIds.Add(await CallAsync(app));
        }

        var feedback = app.GetRequiredService<IPromptFeedback>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1_000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await feedback.RecordAsync(PromptFeedback.Scored(requestIds[i % requestIds.Count], "judge", i), ct));

        Assert.Equal(1_000, temp.Scalar("SELECT COUNT(*) FROM feedback"));
        Assert.Equal(Enumerable.Range(0, 1_000).Sum(), temp.Scalar("SELECT SUM(score) FROM feedback"));
    }

    [Fact]
    public async Task SummarizeAsync_FeedbackOnTwoVersions_EqualsTheSummaryComputedFromTheRecords()
    {
        using var temp = new TempStore();
        await using (var recording = new RecordingStore(temp.ConnectionString))
        {
            SampleFeedback.Calls().ForEach(recording.Write);
            await recording.FlushAsync();
        }

        var store = SqliteStoreBuilderExtensions.OpenFeedbackStore(temp.ConnectionString);
        foreach (var feedback in SampleFeedback.Feedback())
        {
            Assert.True(await store.TryRecordAsync(feedback));
        }

        Assert.Equal(SampleFeedback.ExpectedSummary(), await store.SummarizeAsync());
        Assert.Equal("<script>alert(1)</script>", (await store.GetAsync("req-loop"))[0].Comment);
    }

    [Fact]
    public async Task DeleteOlderThanAsync_RetentionDeletesCalls_DeletesTheirFeedbackToo()
    {
        using var temp = new TempStore();
        await using (var recording = new RecordingStore(temp.ConnectionString))
        {
            SampleFeedback.Calls().ForEach(recording.Write);
            await recording.FlushAsync();
        }

        var store = SqliteStoreBuilderExtensions.OpenFeedbackStore(temp.ConnectionString);
        foreach (var feedback in SampleFeedback.Feedback())
        {
            await store.TryRecordAsync(feedback);
        }

        await SqliteStoreBuilderExtensions.OpenSqliteStore(temp.ConnectionString).DeleteOlderThanAsync(new DateTimeOffset(2026, 12, 1, 8, 20, 0, TimeSpan.Zero));

        Assert.Equal(0, temp.Scalar("SELECT COUNT(*) FROM feedback WHERE request_id NOT IN (SELECT request_id FROM calls)"));
        Assert.NotEqual(0, temp.Scalar("SELECT COUNT(*) FROM feedback"));
    }

    private static ServiceProvider App(string store, Action<PromptOpsOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.ClearProviders()).AddPromptOps(configure ?? (_ => { })).AddSqliteStore(store);
        services.AddChatClient(new AnsweringClient()).UsePromptOps();
        return services.BuildServiceProvider();
    }

    private static async Task<string> CallAsync(IServiceProvider app, bool written = true)
    {
        using var context = PromptOpsContext.Begin(feature: "support", userId: "user-42");
        await app.GetRequiredService<IChatClient>().GetResponseAsync("Where is my refund?");
        if (written)
        {
            await app.GetRequiredService<ICallRecordDispatcher>().FlushAsync();
        }

        return context.RequestId;
    }

    private sealed class AnsweringClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "On its way.")) { ModelId = "gpt-4o-mini" });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
