namespace PromptOps;

/// <summary>The price of one call in USD, with the part each kind of token contributed.</summary>
public readonly record struct CallCost
{
    /// <summary>Gets the total, in USD.</summary>
    public required decimal Total { get; init; }

    /// <summary>Gets what the uncached input tokens cost.</summary>
    public required decimal Input { get; init; }

    /// <summary>Gets what the input tokens read from the prompt cache cost.</summary>
    public required decimal CachedInput { get; init; }

    /// <summary>Gets what the input tokens written to the prompt cache cost.</summary>
    public required decimal CacheWrite { get; init; }

    /// <summary>Gets what the non-reasoning output tokens cost.</summary>
    public required decimal Output { get; init; }

    /// <summary>Gets what the reasoning output tokens cost.</summary>
    public required decimal Reasoning { get; init; }

    /// <summary>Gets the threshold of the long-context tier that priced the call, or <see langword="null"/> for the base rates.</summary>
    public int? LongContextThreshold { get; init; }
}
