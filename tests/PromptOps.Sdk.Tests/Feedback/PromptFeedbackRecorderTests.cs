using Microsoft.Extensions.DependencyInjection;

namespace PromptOps.Tests.Feedback;

public sealed class PromptFeedbackRecorderTests
{
    [Fact]
    public async Task RecordAsync_StoreUnreachable_ThrowsAFeedbackErrorWithTheCauseInside()
    {
        var services = new ServiceCollection();
        services.AddLogging().AddPromptOps();
        services.AddSingleton<IFeedbackStore, UnreachableStore>();
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<PromptFeedbackException>(() => provider.GetRequiredService<IPromptFeedback>().RecordAsync(PromptFeedback.Thumbs("req-1", up: true)));

        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Contains("the store could not be written", error.Message, StringComparison.Ordinal);
        Assert.Contains("record it again", error.Message, StringComparison.Ordinal);
    }

    private sealed class UnreachableStore : IFeedbackStore
    {
        public ValueTask<bool> TryRecordAsync(PromptFeedback feedback, CancellationToken cancellationToken = default) => throw new TimeoutException("connection timed out");

        public ValueTask<IReadOnlyList<PromptFeedback>> GetAsync(string requestId, CancellationToken cancellationToken = default) => throw new TimeoutException("connection timed out");

        public ValueTask<IReadOnlyList<FeedbackSummary>> SummarizeAsync(DateTimeOffset? startedFrom = null, DateTimeOffset? startedBefore = null, CancellationToken cancellationToken = default) => throw new TimeoutException("connection timed out");
    }
}
