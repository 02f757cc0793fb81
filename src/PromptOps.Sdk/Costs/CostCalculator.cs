namespace PromptOps;

/// <summary>Prices token usage with a <see cref="ModelPrice"/>, following the rules of LiteLLM's price map.</summary>
/// <remarks>
/// <list type="bullet">
/// <item>Cached input tokens are part of the input tokens: they are priced at the cache-read rate and the rest at the input
/// rate, never both. A model without a cache-read price charges its input rate for them.</item>
/// <item>Cache-write tokens are part of the input tokens too, priced at the cache-write rate (or the input rate without one).</item>
/// <item>Reasoning tokens are part of the output tokens, priced at the reasoning rate (or the output rate without one).</item>
/// <item>When the input exceeds a long-context tier's threshold, every token of the request is priced at that tier's rates
/// (the highest tier exceeded wins).</item>
/// <item>Inconsistent usage is clamped, never priced negative: cached plus cache-write tokens above the input count are
/// reduced to it, and reasoning tokens above the output count likewise.</item>
/// </list>
/// </remarks>
public static class CostCalculator
{
    /// <summary>Prices one call.</summary>
    /// <param name="price">The model's prices.</param>
    /// <param name="usage">The tokens of the call.</param>
    /// <returns>The cost in USD, exact to the precision of <see cref="decimal"/>.</returns>
    public static CallCost Calculate(ModelPrice price, TokenUsage usage) => Calculate(price, usage, out _);

    /// <summary>Prices one call and says whether its usage had to be clamped.</summary>
    internal static CallCost Calculate(ModelPrice price, TokenUsage usage, out bool clamped)
    {
        ArgumentNullException.ThrowIfNull(price);
        var input = Math.Max(0, usage.InputTokens);
        var output = Math.Max(0, usage.OutputTokens);
        var cached = Math.Max(0, usage.CachedInputTokens);
        var cacheWrite = Math.Max(0, usage.CacheWriteInputTokens);
        var reasoning = Math.Max(0, usage.ReasoningTokens);
        clamped = input != usage.InputTokens || output != usage.OutputTokens || cached != usage.CachedInputTokens
            || cacheWrite != usage.CacheWriteInputTokens || reasoning != usage.ReasoningTokens;

        if (cached > input)
        {
            cached = input;
            clamped = true;
        }

        if (cacheWrite > input - cached)
        {
            cacheWrite = input - cached;
            clamped = true;
        }

        if (reasoning > output)
        {
            reasoning = output;
            clamped = true;
        }

        var tier = FindTier(price, input);
        var inputRate = tier?.InputPerToken ?? price.InputPerToken;
        var outputRate = tier?.OutputPerToken ?? price.OutputPerToken;
        var cacheReadRate = tier is null ? price.CacheReadPerToken ?? inputRate : tier.CacheReadPerToken ?? inputRate;
        var cacheWriteRate = tier is null ? price.CacheWritePerToken ?? inputRate : tier.CacheWritePerToken ?? inputRate;
        var reasoningRate = price.ReasoningPerToken ?? outputRate;

        var inputCost = (input - cached - cacheWrite) * inputRate;
        var cachedCost = cached * cacheReadRate;
        var cacheWriteCost = cacheWrite * cacheWriteRate;
        var outputCost = (output - reasoning) * outputRate;
        var reasoningCost = reasoning * reasoningRate;
        return new CallCost
        {
            Total = inputCost + cachedCost + cacheWriteCost + outputCost + reasoningCost,
            Input = inputCost,
            CachedInput = cachedCost,
            CacheWrite = cacheWriteCost,
            Output = outputCost,
            Reasoning = reasoningCost,
            LongContextThreshold = tier?.ThresholdTokens,
        };
    }

    private static LongContextPrice? FindTier(ModelPrice price, long inputTokens)
    {
        LongContextPrice? chosen = null;
        foreach (var tier in price.LongContextTiers)
        {
            if (inputTokens > tier.ThresholdTokens && (chosen is null || tier.ThresholdTokens > chosen.ThresholdTokens))
            {
                chosen = tier;
            }
        }

        return chosen;
    }
}
