namespace PromptOps;

/// <summary>
/// The tokens of one call, with the meaning Microsoft.Extensions.AI's <c>UsageDetails</c> gives them: input tokens include the
/// cached and cache-write tokens, and output tokens include the reasoning tokens.
/// </summary>
/// <param name="InputTokens">All input tokens, cached ones included.</param>
/// <param name="OutputTokens">All output tokens, reasoning ones included.</param>
/// <param name="CachedInputTokens">The part of the input read from the prompt cache.</param>
/// <param name="CacheWriteInputTokens">The part of the input written to the prompt cache.</param>
/// <param name="ReasoningTokens">The part of the output spent on reasoning.</param>
public readonly record struct TokenUsage(long InputTokens, long OutputTokens, long CachedInputTokens = 0, long CacheWriteInputTokens = 0, long ReasoningTokens = 0)
{
    /// <summary>Gets the input plus output tokens.</summary>
    public long TotalTokens => InputTokens + OutputTokens;
}
