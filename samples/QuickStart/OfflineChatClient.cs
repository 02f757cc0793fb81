using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace QuickStart;

/// <summary>
/// A stand-in chat client for running the sample without an LLM provider. Every reply says plainly that no model
/// was called, and describes what the model would have received, so the PromptOps side of the flow is real.
/// </summary>
internal sealed class OfflineChatClient : IChatClient
{
    public const string Label = "[offline demo client: no LLM was called; set OPENAI_API_KEY to use a real model]";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        var text = Describe(list, options);
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = options?.ModelId ?? "offline",
            FinishReason = ChatFinishReason.Stop,
        };
        return Task.FromResult(response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
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

    private static string Describe(List<ChatMessage> messages, ChatOptions? options)
    {
        var question = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "(no user message)";
        var system = messages.FirstOrDefault(m => m.Role == ChatRole.System)?.Text ?? string.Empty;
        return $"""
            {Label}
            A model would now answer: "{question}"
            It would receive {messages.Count} message(s) ({system.Length} characters of system instructions),
            model '{options?.ModelId ?? "(provider default)"}', temperature {options?.Temperature?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(default)"}, at most {options?.MaxOutputTokens?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(default)"} output tokens.
            """;
    }
}
