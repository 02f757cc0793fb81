namespace PromptOps;

/// <summary>
/// Everything PromptOps knows about one LLM call: who it was for, which prompt version produced it, which model answered,
/// what it consumed and cost, how long it took and how it ended. Delivered to every <see cref="IPromptCallSink"/> after the call.
/// </summary>
public sealed class PromptCallRecord
{
    /// <summary>The tags of a record without any; shared, so that a record does not build an empty dictionary of its own.</summary>
    internal static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>().AsReadOnly();

    /// <summary>Gets the request id (from <see cref="PromptOpsContext"/>, or generated for the call); also returned on the response.</summary>
    public required string RequestId { get; init; }

    /// <summary>Gets when the call started.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the feature the call is attributed to: the context's, else the prompt's, else <c>default</c>.</summary>
    public required string Feature { get; init; }

    /// <summary>Gets the end user, or <see langword="null"/>.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the tenant, or <see langword="null"/>.</summary>
    public string? TenantId { get; init; }

    /// <summary>Gets the prompt id, or <see langword="null"/> for a call that did not come from a rendered prompt.</summary>
    public string? PromptId { get; init; }

    /// <summary>Gets the prompt version, or <see langword="null"/>.</summary>
    public string? PromptVersion { get; init; }

    /// <summary>Gets the A/B variant that served the call, or <see langword="null"/>.</summary>
    public string? Variant { get; init; }

    /// <summary>Gets the environment label that chose the prompt version, or <see langword="null"/>.</summary>
    public string? Label { get; init; }

    /// <summary>Gets the model requested (the chat options' model, else the client's default), or <see langword="null"/>.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the model the call was meant for when a spend budget downgraded it to <see cref="Model"/>, or <see langword="null"/>.</summary>
    public string? DowngradedFrom { get; init; }

    /// <summary>Gets the model that answered, as the provider reported it, or <see langword="null"/>.</summary>
    public string? ResponseModel { get; init; }

    /// <summary>Gets the provider name from the client's metadata (for example <c>openai</c>), or <see langword="null"/>.</summary>
    public string? Provider { get; init; }

    /// <summary>Gets the requested temperature, or <see langword="null"/>.</summary>
    public float? Temperature { get; init; }

    /// <summary>Gets the maximum output tokens sent to the provider (after any budget clamp), or <see langword="null"/>.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>Gets the input tokens, cached ones included (the provider's count, or the estimate when <see cref="UsageEstimated"/>).</summary>
    public long? InputTokens { get; init; }

    /// <summary>Gets the output tokens, reasoning ones included.</summary>
    public long? OutputTokens { get; init; }

    /// <summary>Gets the input tokens read from the prompt cache.</summary>
    public long? CachedInputTokens { get; init; }

    /// <summary>Gets the input tokens written to the prompt cache.</summary>
    public long? CacheWriteInputTokens { get; init; }

    /// <summary>Gets the reasoning tokens.</summary>
    public long? ReasoningTokens { get; init; }

    /// <summary>Gets the pre-flight estimate of the input tokens, or <see langword="null"/> when no estimate was made.</summary>
    public int? EstimatedInputTokens { get; init; }

    /// <summary>Gets a value indicating whether the token counts are PromptOps' estimate because the provider reported no usage.</summary>
    public bool UsageEstimated { get; init; }

    /// <summary>Gets a value indicating whether the reported usage was inconsistent (for example more cached than input tokens) and was clamped.</summary>
    public bool UsageClamped { get; init; }

    /// <summary>Gets the wall-clock duration of the call.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Gets the time until the first streamed content arrived, or <see langword="null"/> for a non-streaming call.</summary>
    public TimeSpan? TimeToFirstToken { get; init; }

    /// <summary>Gets the cost in USD, or <see langword="null"/> when the model has no known price (never a silent zero).</summary>
    public decimal? Cost { get; init; }

    /// <summary>Gets where the price came from (for example <c>litellm 2026-08-01 (sha256 ba37bb46dc46) gpt-4o</c>), or <see langword="null"/>.</summary>
    public string? PriceSource { get; init; }

    /// <summary>Gets the names of the tools offered to the model.</summary>
    public IReadOnlyList<string> ToolsAvailable { get; init; } = [];

    /// <summary>Gets the names of the tools the model asked to call, in order.</summary>
    public IReadOnlyList<string> ToolsCalled { get; init; } = [];

    /// <summary>Gets why the model stopped (for example <c>stop</c>, <c>length</c> or <c>tool_calls</c>), or <see langword="null"/>.</summary>
    public string? FinishReason { get; init; }

    /// <summary>Gets a value indicating whether the call completed without an exception.</summary>
    public bool Success { get; init; }

    /// <summary>Gets the full name of the exception type of a failed call (for example <c>System.OperationCanceledException</c>), or <see langword="null"/>.</summary>
    public string? ErrorType { get; init; }

    /// <summary>Gets the message of the exception of a failed call, or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Gets a value indicating whether the call was streamed.</summary>
    public bool Streaming { get; init; }

    /// <summary>Gets the tags of the <see cref="PromptOpsContext"/>.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = NoTags;

    /// <summary>Gets the input messages as text (<c>role: text</c> per line), redacted or in full as configured, or <see langword="null"/> when capture is off.</summary>
    public string? InputContent { get; init; }

    /// <summary>Gets the response text, redacted or in full as configured, or <see langword="null"/> when capture is off.</summary>
    public string? OutputContent { get; init; }
}
