namespace PromptOps.Tests.Costs;

/// <summary>
/// Golden costs for real models of the embedded LiteLLM table. The per-token prices below were read by hand from
/// shared/data/litellm/model_prices_and_context_window.json (2026-08-01 snapshot); each expected value is computed here
/// from them, independently of <see cref="CostCalculator"/>.
/// </summary>
public class CostGoldenTests
{
    public static TheoryData<string, string?, TokenUsage, decimal> Cases => new()
    {
        // Plain input + output.
        { "gpt-4o", null, new TokenUsage(1_000, 500), (1_000 * 2.5e-6m) + (500 * 1e-5m) },
        { "gpt-4o-mini", null, new TokenUsage(12_345, 678), (12_345 * 1.5e-7m) + (678 * 6e-7m) },
        { "gpt-4.1", null, new TokenUsage(2_000, 1_000), (2_000 * 2e-6m) + (1_000 * 8e-6m) },
        { "gpt-4", null, new TokenUsage(100, 100), (100 * 3e-5m) + (100 * 6e-5m) },
        { "gpt-3.5-turbo", null, new TokenUsage(4_000, 250), (4_000 * 5e-7m) + (250 * 1.5e-6m) },
        { "mistral/mistral-large-latest", null, new TokenUsage(800, 200), (800 * 5e-7m) + (200 * 1.5e-6m) },

        // Cached input: the cached part at the cache-read rate, the rest at the input rate, never both.
        { "gpt-4o", null, new TokenUsage(10_000, 1_000, CachedInputTokens: 8_000), (2_000 * 2.5e-6m) + (8_000 * 1.25e-6m) + (1_000 * 1e-5m) },
        { "gpt-5", null, new TokenUsage(50_000, 2_000, CachedInputTokens: 40_000), (10_000 * 1.25e-6m) + (40_000 * 1.25e-7m) + (2_000 * 1e-5m) },
        { "deepseek-chat", null, new TokenUsage(3_000, 600, CachedInputTokens: 1_000), (2_000 * 2.8e-7m) + (1_000 * 2.8e-8m) + (600 * 4.2e-7m) },

        // Cache write (Anthropic): written tokens at the cache-creation rate.
        { "claude-sonnet-4-5", null, new TokenUsage(5_000, 400, CachedInputTokens: 1_000, CacheWriteInputTokens: 3_000), (1_000 * 3e-6m) + (1_000 * 3e-7m) + (3_000 * 3.75e-6m) + (400 * 1.5e-5m) },
        { "claude-opus-4-1", null, new TokenUsage(2_000, 100, CacheWriteInputTokens: 2_000), (2_000 * 1.875e-5m) + (100 * 7.5e-5m) },
        { "claude-haiku-4-5", null, new TokenUsage(1_500, 300, CachedInputTokens: 500), (1_000 * 1e-6m) + (500 * 1e-7m) + (300 * 5e-6m) },

        // Reasoning: part of the output, at the reasoning rate where the map has one.
        { "o3", null, new TokenUsage(1_000, 5_000, ReasoningTokens: 4_000), (1_000 * 2e-6m) + (5_000 * 8e-6m) },
        { "dashscope/qwen-turbo", null, new TokenUsage(1_000, 1_000, ReasoningTokens: 600), (1_000 * 5e-8m) + (400 * 2e-7m) + (600 * 5e-7m) },
        { "gemini-2.5-flash-lite", null, new TokenUsage(10_000, 2_000, CachedInputTokens: 5_000, ReasoningTokens: 1_500), (5_000 * 1e-7m) + (5_000 * 1e-8m) + (500 * 4e-7m) + (1_500 * 4e-7m) },

        // Long context: above the threshold every token is priced at the tier's rates.
        { "gemini-2.5-pro", null, new TokenUsage(250_000, 1_000), (250_000 * 2.5e-6m) + (1_000 * 1.5e-5m) },
        { "gemini-2.5-pro", null, new TokenUsage(200_000, 1_000), (200_000 * 1.25e-6m) + (1_000 * 1e-5m) },
        { "claude-sonnet-4-5", null, new TokenUsage(300_000, 2_000, CachedInputTokens: 100_000), (200_000 * 6e-6m) + (100_000 * 6e-7m) + (2_000 * 2.25e-5m) },
        { "gpt-5.4", null, new TokenUsage(300_000, 10_000), (300_000 * 5e-6m) + (10_000 * 2.25e-5m) },
        { "xai/grok-4-0709", null, new TokenUsage(130_000, 1_000), (130_000 * 6e-6m) + (1_000 * 3e-5m) },

        // A caching model without a cache-read price: cached tokens at the full input rate, not $0.
        { "chatgpt-4o-latest", null, new TokenUsage(10_000, 100, CachedInputTokens: 6_000), (10_000 * 5e-6m) + (100 * 1.5e-5m) },

        // Cache hits under LiteLLM's other field name (input_cost_per_token_cache_hit).
        { "deepseek/deepseek-r1", null, new TokenUsage(2_000, 1_000, CachedInputTokens: 1_000), (1_000 * 5.5e-7m) + (1_000 * 1.4e-7m) + (1_000 * 2.19e-6m) },

        // Model ids as providers return them.
        { "gpt-4o-2024-08-06", null, new TokenUsage(1_000, 1_000), (1_000 * 2.5e-6m) + (1_000 * 1e-5m) },
        { "openai/gpt-4o-mini", null, new TokenUsage(1_000, 1_000), (1_000 * 1.5e-7m) + (1_000 * 6e-7m) },
        { "gpt-4.1-2099-01-01", null, new TokenUsage(1_000, 1_000), (1_000 * 2e-6m) + (1_000 * 8e-6m) },
        { "gpt-4o", "azure.ai.openai", new TokenUsage(1_000, 1_000, CachedInputTokens: 500), (500 * 2.5e-6m) + (500 * 1.25e-6m) + (1_000 * 1e-5m) },
        { "models/gemini-2.5-flash", null, new TokenUsage(1_000, 1_000), (1_000 * 3e-7m) + (1_000 * 2.5e-6m) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Calculate_RealModelFromDefaultTable_MatchesHandComputedCost(string model, string? provider, TokenUsage usage, decimal expected)
    {
        Assert.True(ModelPriceTable.Default.TryFind(model, provider, out var match), $"'{model}' should be found in the default table.");

        var cost = CostCalculator.Calculate(match.Price, usage);

        Assert.Equal(expected, cost.Total);
    }

    [Fact]
    public void Calculate_CachedTokens_AreNeverBilledTwice()
    {
        ModelPriceTable.Default.TryFind("gpt-4o", null, out var match);
        var cost = CostCalculator.Calculate(match!.Price, new TokenUsage(1_000, 0, CachedInputTokens: 1_000));

        Assert.Equal(0m, cost.Input);
        Assert.Equal(1_000 * 1.25e-6m, cost.CachedInput);
        Assert.Equal(cost.CachedInput, cost.Total);
    }

    [Theory]
    [InlineData("openai/gpt-oss-120b", "groq", "groq/openai/gpt-oss-120b")]
    [InlineData("meta-llama/llama-4-maverick-17b-128e-instruct", "groq", "groq/meta-llama/llama-4-maverick-17b-128e-instruct")]
    [InlineData("openai/gpt-3.5-turbo", "openrouter", "openrouter/openai/gpt-3.5-turbo")]
    [InlineData("meta-llama/Llama-3.3-70B-Instruct-Turbo", "together_ai", "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo")]
    public void TryFind_IdWithASlashBehindAProvider_FindsTheProvidersOwnEntryForTheWholeId(string model, string provider, string expectedKey)
    {
        Assert.True(ModelPriceTable.Default.TryFind(model, provider, out var match), $"'{model}' on {provider} should be priced.");

        Assert.Equal(expectedKey, match.Key);
    }

    [Fact]
    public void TryFind_UnknownModel_ReturnsFalse()
    {
        Assert.False(ModelPriceTable.Default.TryFind("acme-llm-9000", null, out var match));
        Assert.Null(match);
    }

    [Fact]
    public void TryFind_DatedSnapshotInTable_MatchesTheSnapshotItself()
    {
        Assert.True(ModelPriceTable.Default.TryFind("gpt-4o-2024-05-13", null, out var match));
        Assert.Equal("gpt-4o-2024-05-13", match.Key);
    }

    [Fact]
    public void TryFind_AzureProvider_PrefersTheAzureEntry()
    {
        Assert.True(ModelPriceTable.Default.TryFind("gpt-4o", "azure.ai.openai", out var match));
        Assert.Equal("azure/gpt-4o", match.Key);
    }

    [Fact]
    public void Default_Source_NamesLiteLlmSnapshotAndHash()
    {
        Assert.Contains("litellm 2026-08-01", ModelPriceTable.Default.Source, StringComparison.Ordinal);
        Assert.Contains("ba37bb46dc46", ModelPriceTable.Default.Source, StringComparison.Ordinal);
        Assert.True(ModelPriceTable.Default.Count > 2000, "The default table should hold the chat models of the LiteLLM map.");
    }
}
