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

    /// <summary>Reads the counts of Microsoft.Extensions.AI's usage; a missing count is zero.</summary>
    internal static TokenUsage From(Microsoft.Extensions.AI.UsageDetails usage) => new(
        usage.InputTokenCount ?? 0,
        usage.OutputTokenCount ?? 0,
        usage.CachedInputTokenCount ?? 0,
        CacheWriteTokens(usage),
        usage.ReasoningTokenCount ?? 0);

    /// <summary>Reads the cache-write count providers put in <c>UsageDetails.AdditionalCounts</c> (Anthropic and Bedrock names).</summary>
    internal static long CacheWriteTokens(Microsoft.Extensions.AI.UsageDetails usage)
    {
        if (usage.AdditionalCounts is not { Count: > 0 } counts)
        {
            return 0;
        }

        foreach (var (key, value) in counts)
        {
            if (key.Equals("CacheCreationInputTokenCount", StringComparison.OrdinalIgnoreCase)
                || key.Equals("CacheCreationInputTokens", StringComparison.OrdinalIgnoreCase)
                || key.Equals("cache_creation_input_tokens", StringComparison.OrdinalIgnoreCase)
                || key.Equals("CacheWriteInputTokens", StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return 0;
    }
}
