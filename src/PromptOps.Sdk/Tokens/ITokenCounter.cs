using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>Counts tokens the way a model's tokenizer does, for pre-flight estimates and for calls whose provider reports no usage.</summary>
/// <remarks>Implementations must be thread-safe: one instance serves every call of the application.</remarks>
public interface ITokenCounter
{
    /// <summary>Counts the tokens of a piece of text for a model.</summary>
    /// <param name="text">The text to count.</param>
    /// <param name="modelId">The model id as the provider knows it (for example <c>gpt-4o-2024-08-06</c>), or <see langword="null"/> for the default encoding.</param>
    /// <returns>The number of tokens.</returns>
    int CountTokens(string text, string? modelId);

    /// <summary>
    /// Estimates the input tokens of a chat request: every message (text, tool calls and tool results, with the per-message
    /// framing the chat format adds) plus the tool definitions in <paramref name="options"/>.
    /// </summary>
    /// <param name="messages">The messages to send.</param>
    /// <param name="options">The chat options whose <see cref="ChatOptions.Tools"/> are sent with the request, or <see langword="null"/>.</param>
    /// <param name="modelId">The model id, or <see langword="null"/> to use <see cref="ChatOptions.ModelId"/> or the default encoding.</param>
    /// <returns>The estimated number of input tokens.</returns>
    int EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId);

    /// <summary>
    /// Returns a number of input tokens that the request is certain not to exceed, as cheaply as possible. Budgets check a
    /// request against this bound first and ask for <see cref="EstimateInputTokens"/> only when the bound does not settle
    /// the question (the request may be near a limit), so that calls far from their limits never tokenize their messages.
    /// </summary>
    /// <param name="messages">The messages to send.</param>
    /// <param name="options">The chat options whose <see cref="ChatOptions.Tools"/> are sent with the request, or <see langword="null"/>.</param>
    /// <param name="modelId">The model id, or <see langword="null"/> to use <see cref="ChatOptions.ModelId"/> or the default encoding.</param>
    /// <returns>At least the value <see cref="EstimateInputTokens"/> would return. The default implementation returns exactly that value.</returns>
    int EstimateInputTokensUpperBound(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId) =>
        EstimateInputTokens(messages, options, modelId);
}
