namespace PromptOps;

/// <summary>Where prices come from, bound from <c>PromptOps:Pricing</c>.</summary>
/// <remarks>The effective table is the price file (or the embedded LiteLLM table), with <see cref="Models"/> applied on top.</remarks>
public sealed class PromptOpsPricingOptions
{
    /// <summary>Gets or sets a LiteLLM-format JSON file (<c>model_prices_and_context_window.json</c>) that replaces the embedded table.</summary>
    /// <value>The default value is <see langword="null"/>: the table embedded in the package.</value>
    public string? PriceFile { get; set; }

    /// <summary>Gets the price overrides per model id (case-insensitive), for example a negotiated rate or a private deployment.</summary>
    public Dictionary<string, ModelPriceOverride> Models { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets the provider of each endpoint host, added to or replacing the built-in map (for example <c>api.x.ai</c> =
    /// <c>xai</c>): a call's price is looked up for the provider whose host the client really calls. Keys are hosts (in code, a
    /// URL is read as its host; configuration keys cannot hold the colon of a URL) and also cover their subdomains; values
    /// are LiteLLM provider names, or an empty string to look models up by name alone (a proxy that passes calls on to
    /// several providers).
    /// </summary>
    public Dictionary<string, string> Endpoints { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>The prices of one model, in USD per million tokens, bound from <c>PromptOps:Pricing:Models:&lt;model&gt;</c>.</summary>
public sealed class ModelPriceOverride
{
    /// <summary>Gets or sets the price of one million input tokens. Required.</summary>
    public decimal? InputPerMillionTokens { get; set; }

    /// <summary>Gets or sets the price of one million output tokens. Required.</summary>
    public decimal? OutputPerMillionTokens { get; set; }

    /// <summary>Gets or sets the price of one million cached input tokens, or <see langword="null"/> for the input price.</summary>
    public decimal? CachedInputPerMillionTokens { get; set; }

    /// <summary>Gets or sets the price of one million cache-write tokens, or <see langword="null"/> for the input price.</summary>
    public decimal? CacheWritePerMillionTokens { get; set; }

    /// <summary>Gets or sets the price of one million reasoning tokens, or <see langword="null"/> for the output price.</summary>
    public decimal? ReasoningPerMillionTokens { get; set; }

    internal ModelPrice ToModelPrice() => new()
    {
        InputPerToken = (InputPerMillionTokens ?? 0m) / 1_000_000m,
        OutputPerToken = (OutputPerMillionTokens ?? 0m) / 1_000_000m,
        CacheReadPerToken = CachedInputPerMillionTokens / 1_000_000m,
        CacheWritePerToken = CacheWritePerMillionTokens / 1_000_000m,
        ReasoningPerToken = ReasoningPerMillionTokens / 1_000_000m,
        SupportsPromptCaching = CachedInputPerMillionTokens is not null,
    };
}
