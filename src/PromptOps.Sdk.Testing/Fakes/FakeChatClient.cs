using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace PromptOps.Testing;

/// <summary>
/// A scriptable <see cref="IChatClient"/> for tests: queue replies, tool calls, usage and errors in the order calls should
/// get them, or answer every call from a function; streaming splits the reply into word chunks and ends with the usage.
/// </summary>
/// <remarks>
/// <para>
/// Each call takes the next scripted step. When the script is used up the <see cref="RespondWith"/> function answers; without
/// one the call fails with an <see cref="InvalidOperationException"/> that says which call ran out, so a test never gets an
/// invented reply.
/// </para>
/// <para>
/// Replies without usage get usage counted with the tiktoken tokenizer (input: the request; output: the reply), so cost and
/// token assertions see realistic numbers; set <see cref="CountUsage"/> to <see langword="false"/> to leave it out.
/// Every request is kept in <see cref="Requests"/>. The client is thread-safe: parallel callers take distinct steps.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var fake = new FakeChatClient()
///     .ReplyWithToolCall("lookup_order", new Dictionary&lt;string, object?&gt; { ["order_id"] = "A-1" })
///     .ReplyWith("Your order ships tomorrow.", new UsageDetails { InputTokenCount = 950, OutputTokenCount = 8 })
///     .ThenThrow(new HttpRequestException("429 Too Many Requests"));
/// </code>
/// </example>
public sealed class FakeChatClient : IChatClient
{
    private readonly ConcurrentQueue<Step> _script = new();
    private readonly ConcurrentQueue<FakeChatRequest> _requests = new();
    private readonly ChatClientMetadata _metadata;
    private int _calls;

    /// <summary>Initializes a new instance of the <see cref="FakeChatClient"/> class.</summary>
    /// <param name="providerName">The provider name reported in <see cref="ChatClientMetadata"/>, used for pricing lookups; <see langword="null"/> for a client that reports none.</param>
    /// <param name="defaultModelId">The model reported when the request names none.</param>
    /// <param name="providerUri">The endpoint reported in <see cref="ChatClientMetadata.ProviderUri"/>, or <see langword="null"/>.</param>
    public FakeChatClient(string? providerName = "fake", string? defaultModelId = null, Uri? providerUri = null)
    {
        _metadata = new ChatClientMetadata(providerName, providerUri, defaultModelId);
    }

    /// <summary>Gets or sets the function that answers calls once the script is used up, or <see langword="null"/> to fail them.</summary>
    public Func<IReadOnlyList<ChatMessage>, ChatOptions?, ChatResponse>? RespondWith { get; set; }

    /// <summary>Gets or sets a delay before each reply and before each streamed chunk.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Gets or sets a value indicating whether replies without usage get usage counted with the tokenizer (default <see langword="true"/>).</summary>
    public bool CountUsage { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether each request is kept in <see cref="Requests"/> (default <see langword="true"/>);
    /// turn it off for long runs, or for tests about what the code under test keeps alive.
    /// </summary>
    public bool KeepRequests { get; set; } = true;

    /// <summary>Gets the requests received so far, in the order they arrived.</summary>
    public IReadOnlyList<FakeChatRequest> Requests => [.. _requests];

    /// <summary>Gets the number of calls received (streaming and non-streaming).</summary>
    public int CallCount => Volatile.Read(ref _calls);

    /// <summary>Gets the number of scripted steps not yet used.</summary>
    public int RemainingSteps => _script.Count;

    /// <summary>Queues a text reply.</summary>
    /// <param name="text">The assistant's reply.</param>
    /// <param name="usage">The usage to report, or <see langword="null"/> to count it (see <see cref="CountUsage"/>).</param>
    /// <param name="finishReason">The finish reason; <see cref="ChatFinishReason.Stop"/> when <see langword="null"/>.</param>
    /// <returns>This client, to chain further steps.</returns>
    public FakeChatClient ReplyWith(string text, UsageDetails? usage = null, ChatFinishReason? finishReason = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ReplyWith(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { Usage = usage, FinishReason = finishReason ?? ChatFinishReason.Stop });
    }

    /// <summary>Queues a complete response (several messages, contents, usage, model id, additional properties).</summary>
    /// <param name="response">The response to return; its <c>ModelId</c> defaults to the requested model.</param>
    /// <returns>This client, to chain further steps.</returns>
    public FakeChatClient ReplyWith(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        _script.Enqueue(new Step((_, _) => response));
        return this;
    }

    /// <summary>
    /// Queues a reply whose stream breaks: a streaming call gets the first <paramref name="chunks"/> word chunks of
    /// <paramref name="text"/> and then <paramref name="exception"/> (a dropped connection); a non-streaming call throws it.
    /// </summary>
    /// <param name="text">The reply the provider was sending.</param>
    /// <param name="chunks">How many chunks arrive before the failure.</param>
    /// <param name="exception">The failure, or <see langword="null"/> for an <see cref="IOException"/> saying the connection closed.</param>
    /// <returns>This client, to chain further steps.</returns>
    public FakeChatClient ReplyWithBrokenStream(string text, int chunks, Exception? exception = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(chunks);
        var failure = exception ?? new IOException($"The provider closed the connection after {chunks} chunk(s) of the stream.");
        _script.Enqueue(new Step((_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, text)), chunks, failure));
        return this;
    }

    /// <summary>Queues a reply whose only content is a call of the tool <paramref name="name"/>.</summary>
    /// <param name="name">The tool (function) name.</param>
    /// <param name="arguments">The call's arguments, or <see langword="null"/> for none.</param>
    /// <param name="callId">The call id; a stable one derived from the step number when <see langword="null"/>.</param>
    /// <param name="usage">The usage to report, or <see langword="null"/> to count it.</param>
    /// <returns>This client, to chain further steps.</returns>
    public FakeChatClient ReplyWithToolCall(string name, IDictionary<string, object?>? arguments = null, string? callId = null, UsageDetails? usage = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var id = callId ?? $"call_{_script.Count + 1}";
        var message = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(id, name, arguments)]);
        return ReplyWith(new ChatResponse(message) { Usage = usage, FinishReason = ChatFinishReason.ToolCalls });
    }

    /// <summary>Queues a failure: the call throws <paramref name="exception"/> (a streaming call throws before its first chunk).</summary>
    /// <param name="exception">The exception to throw, for example an <see cref="HttpRequestException"/> for a 429.</param>
    /// <returns>This client, to chain further steps.</returns>
    public FakeChatClient ThenThrow(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        _script.Enqueue(new Step((_, _) => throw exception));
        return this;
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (request, step) = Begin(messages, options, streaming: false);
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (step.BreakAfterChunks is not null)
        {
            throw step.Failure!;
        }

        return Complete(step.Respond(request.Messages, options), request, options);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (request, step) = Begin(messages, options, streaming: true);
        var response = Complete(step.Respond(request.Messages, options), request, options);
        var sent = 0;
        var responseId = response.ResponseId ?? $"fake-{request.Number}";
        foreach (var message in response.Messages)
        {
            var messageId = message.MessageId ?? $"{responseId}-m";
            foreach (var content in message.Contents)
            {
                IEnumerable<AIContent> chunks = content is TextContent text ? SplitWords(text.Text).Select(word => new TextContent(word)) : [content];
                foreach (var chunk in chunks)
                {
                    if (Latency > TimeSpan.Zero)
                    {
                        await Task.Delay(Latency, cancellationToken).ConfigureAwait(false);
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    if (sent++ == step.BreakAfterChunks)
                    {
                        throw step.Failure!;
                    }

                    yield return new ChatResponseUpdate(message.Role, [chunk])
                    {
                        ResponseId = responseId,
                        MessageId = messageId,
                        ModelId = response.ModelId,
                    };
                }
            }
        }

        // The usage chunk belongs to the reply's last message, as providers' final chunks do.
        var lastMessage = response.Messages.Count == 0 ? null : response.Messages[^1];
        var last = new ChatResponseUpdate
        {
            ResponseId = responseId,
            MessageId = lastMessage is null ? null : lastMessage.MessageId ?? $"{responseId}-m",
            Role = lastMessage?.Role,
            ModelId = response.ModelId,
            FinishReason = response.FinishReason,
        };
        if (response.Usage is { } usage)
        {
            last.Contents.Add(new UsageContent(usage));
        }

        yield return last;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private static List<string> SplitWords(string text)
    {
        var chunks = new List<string>();
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                chunks.Add(text[start..i]);
                start = i;
            }
        }

        return chunks.Count == 0 ? [string.Empty] : chunks;
    }

    private (FakeChatRequest Request, Step Step) Begin(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var number = Interlocked.Increment(ref _calls);
        var request = new FakeChatRequest(number, [.. messages], options?.Clone(), streaming);
        if (KeepRequests)
        {
            _requests.Enqueue(request);
        }
        if (_script.TryDequeue(out var step))
        {
            return (request, step);
        }

        return RespondWith is { } respond
            ? (request, new Step(respond))
            : throw new InvalidOperationException($"FakeChatClient has no reply for call {number}: the script's steps are used up and RespondWith is not set. Queue one more reply with ReplyWith(...), or set RespondWith to answer every further call.");
    }

    /// <summary>One scripted answer: how to respond, and whether (after how many chunks) the stream breaks.</summary>
    private sealed record Step(Func<IReadOnlyList<ChatMessage>, ChatOptions?, ChatResponse> Respond, int? BreakAfterChunks = null, Exception? Failure = null);

    private ChatResponse Complete(ChatResponse response, FakeChatRequest request, ChatOptions? options)
    {
        response.ModelId ??= options?.ModelId ?? _metadata.DefaultModelId;
        if (response.Usage is null && CountUsage)
        {
            var counter = TiktokenTokenCounter.Shared;
            var input = counter.EstimateInputTokens(request.Messages, options, response.ModelId);
            var output = counter.CountTokens(response.Text, response.ModelId);
            response.Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
        }

        return response;
    }
}

/// <summary>One request a <see cref="FakeChatClient"/> received.</summary>
/// <param name="Number">The 1-based number of the call.</param>
/// <param name="Messages">The messages sent.</param>
/// <param name="Options">A copy of the options sent, or <see langword="null"/>.</param>
/// <param name="Streaming">Whether the call was a streaming call.</param>
public sealed record FakeChatRequest(int Number, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, bool Streaming);
