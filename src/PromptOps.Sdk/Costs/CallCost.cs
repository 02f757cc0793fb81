namespace PromptOps;

/// <summary>The price of one call in USD, with the part each kind of token contributed.</summary>
public readonly record struct CallCost
{
    /// <summary>Gets the total, in USD.</summary>
    public required decimal Total { get; init; }

    /// <summary>Gets what the uncached text input tokens cost.</summary>
    public required decimal Input { get; init; }

    /// <summary>Gets what the input tokens read from the prompt cache cost.</summary>
    public required decimal CachedInput { get; init; }

    /// <summary>Gets what the input tokens written to the prompt cache cost.</summary>
    public required decimal CacheWrite { get; init; }

    /// <summary>Gets what the text output tokens (neither reasoning nor audio) cost.</summary>
    public required decimal Output { get; init; }

    /// <summary>Gets what the reasoning output tokens cost.</summary>
    public required decimal Reasoning { get; init; }

    /// <summary>Gets what the audio input tokens cost.</summary>
    public decimal InputAudio { get; init; }

    /// <summary>Gets what the audio output tokens cost.</summary>
    public decimal OutputAudio { get; init; }

    /// <summary>Gets the threshold of the long-context tier that priced the call, or <see langword="null"/> for the base rates.</summary>
    public int? LongContextThreshold { get; init; }
}
