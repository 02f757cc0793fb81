namespace PromptOps;

/// <summary>Prices token usage with a <see cref="ModelPrice"/>, following the rules of LiteLLM's price map.</summary>
/// <remarks>
/// <para>Where these rules differ from LiteLLM's own calculator, the difference is named; each errs toward the higher cost,
/// so a spend budget is never exceeded because a price was missing from the map.</para>
/// <list type="bullet">
/// <item>Cached input tokens are part of the input tokens: they are priced at the cache-read rate and the rest at the input
/// rate, never both. A model without a cache-read price charges its input rate for them (LiteLLM: $0).</item>
/// <item>Cache-write tokens are part of the input tokens too, priced at the cache-write rate, or the input rate without one
/// (LiteLLM: $0).</item>
/// <item>Audio tokens are part of the input or output tokens, priced at the audio rates, or the text rates without them
/// (LiteLLM: $0).</item>
/// <item>Reasoning tokens are part of the output tokens, priced at the reasoning rate (or the output rate without one).</item>
/// <item>When the input exceeds a long-context tier's threshold (for xAI's models: reaches it, as xAI bills), every token
/// of the request is priced at that tier's rates (the highest tier exceeded wins). A tier without its own cache-read or
/// cache-write rate keeps the model's, or uses the tier's input rate when the model has none either. Audio keeps its
/// own rates.</item>
/// <item>Inconsistent usage is clamped, never priced negative: cached, cache-write and audio input tokens above the input
/// count are reduced to it, and reasoning and audio output tokens above the output count likewise.</item>
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
        var audioIn = Math.Max(0, usage.InputAudioTokens);
        var audioOut = Math.Max(0, usage.OutputAudioTokens);
        clamped = input != usage.InputTokens || output != usage.OutputTokens || cached != usage.CachedInputTokens
            || cacheWrite != usage.CacheWriteInputTokens || reasoning != usage.ReasoningTokens
            || audioIn != usage.InputAudioTokens || audioOut != usage.OutputAudioTokens;

        cached = Clamp(cached, input, ref clamped);
        cacheWrite = Clamp(cacheWrite, input - cached, ref clamped);
        audioIn = Clamp(audioIn, input - cached - cacheWrite, ref clamped);
        reasoning = Clamp(reasoning, output, ref clamped);
        audioOut = Clamp(audioOut, output - reasoning, ref clamped);

        var tier = FindTier(price, input);
        var inputRate = tier?.InputPerToken ?? price.InputPerToken;
        var outputRate = tier?.OutputPerToken ?? price.OutputPerToken;
        var cacheReadRate = tier?.CacheReadPerToken ?? price.CacheReadPerToken ?? inputRate;
        var cacheWriteRate = tier?.CacheWritePerToken ?? price.CacheWritePerToken ?? inputRate;
        var reasoningRate = price.ReasoningPerToken ?? outputRate;

        // Decimal arithmetic is slow next to the rest of the call path: terms without tokens are skipped.
        var inputCost = Times(input - cached - cacheWrite - audioIn, inputRate);
        var outputCost = Times(output - reasoning - audioOut, outputRate);
        var total = inputCost + outputCost;
        decimal cachedCost = 0m, cacheWriteCost = 0m, reasoningCost = 0m, audioInCost = 0m, audioOutCost = 0m;
        if (cached + cacheWrite + reasoning + audioIn + audioOut > 0)
        {
            cachedCost = Times(cached, cacheReadRate);
            cacheWriteCost = Times(cacheWrite, cacheWriteRate);
            reasoningCost = Times(reasoning, reasoningRate);
            audioInCost = Times(audioIn, price.InputAudioPerToken ?? inputRate);
            audioOutCost = Times(audioOut, price.OutputAudioPerToken ?? outputRate);
            total += cachedCost + cacheWriteCost + reasoningCost + audioInCost + audioOutCost;
        }

        return new CallCost
        {
            Total = total,
            Input = inputCost,
            CachedInput = cachedCost,
            CacheWrite = cacheWriteCost,
            Output = outputCost,
            Reasoning = reasoningCost,
            InputAudio = audioInCost,
            OutputAudio = audioOutCost,
            LongContextThreshold = tier?.ThresholdTokens,
        };
    }

    /// <summary>
    /// Where pricing this model follows a rule of ours rather than LiteLLM's calculator (<c>promptops price</c> and
    /// <c>promptops estimate</c> show them).
    /// </summary>
    internal static IEnumerable<string> DifferencesFromLiteLlm(ModelPrice price)
    {
        if (price.CacheReadPerToken is null && price.SupportsPromptCaching)
        {
            yield return "no cache-read price: cached input tokens are priced at the input rate (LiteLLM's calculator: $0), so a budget never undercounts them";
        }

        if (price.CacheWritePerToken is null && price.SupportsPromptCaching)
        {
            yield return "no cache-write price: tokens written to the cache are priced at the input rate (LiteLLM's calculator: $0)";
        }

        if ((price.InputAudioPerToken is null) != (price.OutputAudioPerToken is null))
        {
            yield return "audio is priced in one direction only: audio tokens without an audio price are priced at the text rate (LiteLLM's calculator: $0)";
        }
    }

    private static long Clamp(long tokens, long available, ref bool clamped)
    {
        if (tokens <= available)
        {
            return tokens;
        }

        clamped = true;
        return available;
    }

    private static decimal Times(long tokens, decimal rate) => tokens == 0 ? 0m : tokens * rate;

    private static LongContextPrice? FindTier(ModelPrice price, long inputTokens)
    {
        LongContextPrice? chosen = null;
        var tiers = price.LongContextTiers;
        if (tiers.Count == 0)
        {
            return null;
        }

        // xAI bills its higher tier once the prompt reaches the threshold; the others once it exceeds it.
        var inclusive = string.Equals(price.Provider, "xai", StringComparison.OrdinalIgnoreCase);
        for (var i = 0; i < tiers.Count; i++)
        {
            var tier = tiers[i];
            var reached = inputTokens > tier.ThresholdTokens || (inclusive && inputTokens == tier.ThresholdTokens);
            if (reached && (chosen is null || tier.ThresholdTokens > chosen.ThresholdTokens))
            {
                chosen = tier;
            }
        }

        return chosen;
    }
}
