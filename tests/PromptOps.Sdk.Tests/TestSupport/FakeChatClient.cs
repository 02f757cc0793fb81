using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace PromptOps.Tests.TestSupport;

/// <summary>A chat client driven by callbacks, recording what it was sent; streams its reply as one update per word plus a usage update.</summary>
internal sealed class FakeChatClient : IChatClient
{
    private int _calls;

    public FakeChatClient(string reply = "Hello from the fake model.", UsageDetails? usage = null, string? responseModel = null)
    {
        Respond = (_, options) => new ChatResponse(new ChatMessage(ChatRole.Assistant, reply))
        {
            ModelId = responseModel ?? options?.ModelId,
            FinishReason = ChatFinishReason.Stop,
            Usage = usage,
        };
    }

    public Func<IList<ChatMessage>, ChatOptions?, ChatResponse> Respond { get; set; }

    /// <summary>Gets or sets a delay before each reply (or each streamed update).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Gets or sets the number of streamed updates after which the stream throws, or null.</summary>
    public int? FailStreamAfter { get; set; }

    public ChatClientMetadata Metadata { get; set; } = new("fakeprovider", defaultModelId: "gpt-4o");

    public int Calls => Volatile.Read(ref _calls);

    public ChatOptions? LastOptions { get; private set; }

    public IList<ChatMessage>? LastMessages { get; private set; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        LastMessages = [.. messages];
        LastOptions = options;
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Respond(LastMessages, options);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        LastMessages = [.. messages];
        LastOptions = options;
        var response = Respond(LastMessages, options);
        var words = response.Text.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            if (FailStreamAfter == i)
            {
                throw new InvalidOperationException("The fake stream broke.");
            }

            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, i == 0 ? words[i] : " " + words[i])
            {
                MessageId = "m1",
                ResponseId = "r1",
                ModelId = response.ModelId,
            };
        }

        var last = new ChatResponseUpdate { MessageId = "m1", ResponseId = "r1", FinishReason = response.FinishReason, ModelId = response.ModelId };
        if (response.Usage is { } usage)
        {
            last.Contents.Add(new UsageContent(usage));
        }

        yield return last;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null : serviceType == typeof(ChatClientMetadata) ? Metadata : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
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
