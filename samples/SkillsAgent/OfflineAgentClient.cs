using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace SkillsAgent;

/// <summary>
/// A scripted stand-in for a tool-calling model, so the sample runs without a provider. On the first turn it asks for
/// lookup_order and check_eligibility (when those tools are offered); once their results are in, it answers from them.
/// It reports token usage like a provider does. No LLM is called.
/// </summary>
internal sealed partial class OfflineAgentClient : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        var results = list.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => r.Result?.ToString()).ToList();
        var offered = options?.Tools?.Select(t => t.Name).ToHashSet() ?? [];
        ChatMessage reply;
        if (results.Count == 0 && offered.Contains("lookup_order") && offered.Contains("check_eligibility"))
        {
            var orderId = OrderNumber().Match(list.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty).Value;
            reply = new ChatMessage(ChatRole.Assistant,
            [
                new FunctionCallContent("call-1", "lookup_order", new Dictionary<string, object?> { ["orderId"] = orderId }),
                new FunctionCallContent("call-2", "check_eligibility", new Dictionary<string, object?> { ["orderId"] = orderId }),
            ]);
        }
        else
        {
            reply = new ChatMessage(ChatRole.Assistant, $"[offline demo model] Based on the tools: {string.Join(" ", results)}");
        }

        return Task.FromResult(new ChatResponse(reply)
        {
            ModelId = options?.ModelId,
            FinishReason = reply.Contents.OfType<FunctionCallContent>().Any() ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 180 + (60 * results.Count), OutputTokenCount = results.Count == 0 ? 40 : 60 },
        });
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
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("offline-demo")
        : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    [GeneratedRegex(@"\d{4,}")]
    private static partial Regex OrderNumber();
}
