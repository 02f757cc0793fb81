using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Dashboard;

/// <summary>
/// A stand-in for a hosted model, so the sample runs offline: answers take a realistic time (simulated time while past
/// traffic is replayed), report token usage like a provider, fail now and then, and ask for the lookup_order tool when it is
/// offered, as a tool-calling model would. No LLM is called.
/// </summary>
internal sealed class SimulatedModel(SimulatedClock clock) : IChatClient
{
    private readonly Random _random = new(2026);
    private readonly Lock _lock = new();

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        double roll, latencyMs, noise;
        lock (_lock)
        {
            roll = _random.NextDouble();
            noise = _random.NextDouble();
            latencyMs = 250 + (Math.Exp(_random.NextDouble() * 2.2) * 180);
        }

        var latency = TimeSpan.FromMilliseconds(latencyMs);
        if (clock.Replaying)
        {
            clock.Advance(latency);
        }
        else
        {
            await Task.Delay(latency, cancellationToken);
        }

        if (roll < 0.02)
        {
            throw new HttpRequestException("Response status code does not indicate success: 503 (Service Unavailable).");
        }

        var results = list.SelectMany(m => m.Contents).OfType<FunctionResultContent>().ToList();
        var inputTokens = 40 + (list.Sum(m => m.Text?.Length ?? 0) / 4) + results.Sum(r => 30 + ((r.Result?.ToString()?.Length ?? 0) / 4));
        ChatMessage reply;
        if (results.Count == 0 && options?.Tools?.Any(t => t.Name == "lookup_order") == true)
        {
            reply = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-" + Guid.NewGuid().ToString("N")[..8], "lookup_order", new Dictionary<string, object?> { ["orderId"] = "10023" })]);
        }
        else
        {
            var question = list.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
            reply = new ChatMessage(ChatRole.Assistant, results.Count > 0
                ? $"[simulated model] Order 10023 shipped on Monday ({results[0].Result}). You can return it within 30 days."
                : $"[simulated model] An answer to: {question}");
        }

        var truncated = roll > 0.97;
        return new ChatResponse(reply)
        {
            ModelId = options?.ModelId,
            FinishReason = reply.Contents.OfType<FunctionCallContent>().Any() ? ChatFinishReason.ToolCalls : truncated ? ChatFinishReason.Length : ChatFinishReason.Stop,
            Usage = new UsageDetails
            {
                InputTokenCount = inputTokens,
                OutputTokenCount = truncated ? options?.MaxOutputTokens ?? 300 : 30 + (int)(noise * 220),
            },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("openai", new Uri("https://api.openai.com/v1"))
        : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
