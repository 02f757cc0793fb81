using Microsoft.Extensions.AI;

namespace PromptOps.Tests.TestSupport;

/// <summary>
/// The shipped <see cref="FakeChatClient"/> (PromptOps.Sdk.Testing) set up the way these tests use it: it answers every
/// call with one reply, reports exactly the usage given (none when none is given, since several tests are about
/// providers that report none), and calls itself <c>fakeprovider</c> with <c>gpt-4o</c> as its default model.
/// </summary>
internal static class Fakes
{
    public const string Reply = "Hello from the fake model.";

    /// <param name="reply">The reply of every call.</param>
    /// <param name="usage">The usage every reply reports, or <see langword="null"/> for none.</param>
    /// <param name="responseModel">The model the replies name, else the requested one.</param>
    /// <param name="latency">A delay before each reply and each streamed chunk.</param>
    /// <param name="breakStreamAfter">When set, the first call's stream breaks after that many chunks.</param>
    /// <param name="respond">Answers calls instead of the fixed reply.</param>
    /// <param name="provider">The provider name the client reports.</param>
    /// <param name="endpoint">The endpoint the client reports.</param>
    /// <param name="defaultModel">The default model the client reports.</param>
    public static FakeChatClient Replying(
        string reply = Reply,
        UsageDetails? usage = null,
        string? responseModel = null,
        TimeSpan latency = default,
        int? breakStreamAfter = null,
        Func<IReadOnlyList<ChatMessage>, ChatOptions?, ChatResponse>? respond = null,
        string? provider = "fakeprovider",
        Uri? endpoint = null,
        string? defaultModel = "gpt-4o")
    {
        var fake = new FakeChatClient(provider, defaultModel, endpoint)
        {
            CountUsage = false,
            Latency = latency,
            RespondWith = respond ?? ((_, options) => new ChatResponse(new ChatMessage(ChatRole.Assistant, reply))
            {
                ModelId = responseModel ?? options?.ModelId,
                FinishReason = ChatFinishReason.Stop,
                Usage = usage,
            }),
        };

        return breakStreamAfter is { } chunks ? fake.ReplyWithBrokenStream(reply, chunks, new InvalidOperationException("The fake stream broke.")) : fake;
    }

    /// <summary>A provider that keeps none of the requests it is sent, for tests about what the code under test keeps alive.</summary>
    public static FakeChatClient Forgetful()
    {
        var fake = Replying(usage: new UsageDetails { InputTokenCount = 1200, OutputTokenCount = 300, TotalTokenCount = 1500 });
        fake.KeepRequests = false;
        return fake;
    }

    /// <summary>A provider whose every call throws <paramref name="exception"/>.</summary>
    public static FakeChatClient Throwing(Exception exception) => Replying(respond: (_, _) => throw exception);
}

/// <summary>A sink that keeps what it receives.</summary>
internal sealed class CollectingSink : IPromptCallSink
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<PromptCallRecord> _records = new();

    private int _largestBatch;

    public IReadOnlyList<PromptCallRecord> Records => [.. _records];

    /// <summary>Gets the size of the largest batch received.</summary>
    public int LargestBatch => Volatile.Read(ref _largestBatch);

    public ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken)
    {
        _largestBatch = Math.Max(_largestBatch, records.Count);
        foreach (var record in records)
        {
            _records.Enqueue(record);
        }

        return ValueTask.CompletedTask;
    }
}
