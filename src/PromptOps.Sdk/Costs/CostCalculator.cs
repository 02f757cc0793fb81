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

        // Decimal arithmetic is slow next to the rest of the call path: terms without tokens are skipped.
        var inputCost = Times(input - cached - cacheWrite, inputRate);
        var cachedCost = Times(cached, cacheReadRate);
        var cacheWriteCost = Times(cacheWrite, cacheWriteRate);
        var outputCost = Times(output - reasoning, outputRate);
        var reasoningCost = Times(reasoning, reasoningRate);
        var total = inputCost + outputCost;
        if (cached + cacheWrite + reasoning > 0)
        {
            total += cachedCost + cacheWriteCost + reasoningCost;
        }

        return new CallCost
        {
            Total = total,
            Input = inputCost,
            CachedInput = cachedCost,
            CacheWrite = cacheWriteCost,
            Output = outputCost,
            Reasoning = reasoningCost,
            LongContextThreshold = tier?.ThresholdTokens,
        };
    }

    private static decimal Times(long tokens, decimal rate) => tokens == 0 ? 0m : tokens * rate;

    private static LongContextPrice? FindTier(ModelPrice price, long inputTokens)
    {
        LongContextPrice? chosen = null;
        var tiers = price.LongContextTiers;
        for (var i = 0; i < tiers.Count; i++)
        {
            var tier = tiers[i];
            if (inputTokens > tier.ThresholdTokens && (chosen is null || tier.ThresholdTokens > chosen.ThresholdTokens))
            {
                chosen = tier;
            }
        }

        return chosen;
    }
}
