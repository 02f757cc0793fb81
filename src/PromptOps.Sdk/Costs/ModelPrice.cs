namespace PromptOps;

/// <summary>
/// What one model charges, in USD per token, as LiteLLM's price map defines it. Build one in code for a model the default
/// table lacks, or load a whole table with <see cref="ModelPriceTable.LoadLiteLlmFile(string)"/>.
/// </summary>
public sealed class ModelPrice
{
    /// <summary>Gets the price of one input (prompt) token.</summary>
    public required decimal InputPerToken { get; init; }

    /// <summary>Gets the price of one output (completion) token.</summary>
    public required decimal OutputPerToken { get; init; }

    /// <summary>Gets the price of one input token read from the provider's prompt cache, or <see langword="null"/> when the map has none.</summary>
    /// <remarks>When a cached read is reported and this is <see langword="null"/>, the cached tokens are priced at <see cref="InputPerToken"/>, never at $0.</remarks>
    public decimal? CacheReadPerToken { get; init; }

    /// <summary>Gets the price of one input token written to the prompt cache, or <see langword="null"/> (then <see cref="InputPerToken"/> applies).</summary>
    public decimal? CacheWritePerToken { get; init; }

    /// <summary>Gets the price of one reasoning output token, or <see langword="null"/> (then <see cref="OutputPerToken"/> applies).</summary>
    public decimal? ReasoningPerToken { get; init; }

    /// <summary>Gets the price of one audio input token, or <see langword="null"/> (then <see cref="InputPerToken"/> applies).</summary>
    public decimal? InputAudioPerToken { get; init; }

    /// <summary>Gets the price of one audio output token, or <see langword="null"/> (then <see cref="OutputPerToken"/> applies).</summary>
    public decimal? OutputAudioPerToken { get; init; }

    /// <summary>
    /// Gets the long-context tiers: a request whose input exceeds a tier's threshold (for xAI's models, reaches it) is priced
    /// entirely at that tier's rates.
    /// </summary>
    public IReadOnlyList<LongContextPrice> LongContextTiers { get; init; } = [];

    /// <summary>Gets the provider the price map files the model under (for example <c>openai</c> or <c>anthropic</c>), or <see langword="null"/>.</summary>
    public string? Provider { get; init; }

    /// <summary>Gets the largest number of input tokens the model accepts, or <see langword="null"/> when unknown.</summary>
    public int? MaxInputTokens { get; init; }

    /// <summary>Gets the largest number of output tokens the model produces, or <see langword="null"/> when unknown.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>Gets a value indicating whether the model supports prompt caching.</summary>
    public bool SupportsPromptCaching { get; init; }
}

/// <summary>The rates of a long-context tier, such as LiteLLM's <c>*_above_200k_tokens</c> prices.</summary>
public sealed class LongContextPrice
{
    /// <summary>Gets the number of input tokens above which the tier applies (for example 200,000).</summary>
    public required int ThresholdTokens { get; init; }

    /// <summary>Gets the price of one input token in this tier.</summary>
    public required decimal InputPerToken { get; init; }

    /// <summary>Gets the price of one output token in this tier.</summary>
    public required decimal OutputPerToken { get; init; }

    /// <summary>
    /// Gets the price of one cached input token in this tier, or <see langword="null"/>: then the model's own cache-read price
    /// applies, or, without one, this tier's <see cref="InputPerToken"/>.
    /// </summary>
    public decimal? CacheReadPerToken { get; init; }

    /// <summary>
    /// Gets the price of one cache-write token in this tier, or <see langword="null"/>: then the model's own cache-write price
    /// applies, or, without one, this tier's <see cref="InputPerToken"/>.
    /// </summary>
    public decimal? CacheWritePerToken { get; init; }
}
