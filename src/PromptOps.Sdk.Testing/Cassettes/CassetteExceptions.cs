namespace PromptOps.Testing;

/// <summary>A replayed request was never recorded: the cassette has no response for it, and no model was called.</summary>
public sealed class CassetteMissException : PromptOpsException
{
    /// <summary>Initializes a new instance of the <see cref="CassetteMissException"/> class.</summary>
    /// <param name="cassettePath">The cassette file.</param>
    /// <param name="requestKey">The key of the request that was not found.</param>
    /// <param name="prompt">The <c>id@version</c> the request was rendered from, if known.</param>
    /// <param name="message">The full explanation, with how to record the request.</param>
    public CassetteMissException(string cassettePath, string requestKey, string? prompt, string message)
        : base(message)
    {
        CassettePath = cassettePath;
        RequestKey = requestKey;
        Prompt = prompt;
    }

    /// <summary>Gets the cassette file.</summary>
    public string CassettePath { get; }

    /// <summary>Gets the key of the request that was not found.</summary>
    public string RequestKey { get; }

    /// <summary>Gets the <c>id@version</c> the request was rendered from, if known.</summary>
    public string? Prompt { get; }
}

/// <summary>A cassette file is not valid: not JSON, not a cassette, damaged, or written in another format version.</summary>
public sealed class CassetteFormatException : PromptOpsException
{
    /// <summary>Initializes a new instance of the <see cref="CassetteFormatException"/> class.</summary>
    /// <param name="cassettePath">The cassette file.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="innerException">The parse error, if any.</param>
    public CassetteFormatException(string cassettePath, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        CassettePath = cassettePath;
    }

    /// <summary>Gets the cassette file.</summary>
    public string CassettePath { get; }
}
