using System.Text;
using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>
/// A finished call's record as values, waiting in the dispatcher's buffer for the worker that builds the
/// <see cref="PromptCallRecord"/> and delivers it. It refers to no object of the call (its state, options, response or
/// generated request id), only to strings that outlive the call (model, feature, prompt names) and to what a record must
/// carry (an error, captured content, tool names): records waiting across a collection then keep almost nothing alive, where
/// whole finished calls used to be promoted to older generations and make collections expensive.
/// </summary>
internal struct PendingCallRecord
{
    /// <summary>The request id given by the caller's context, or <see langword="null"/> when <see cref="GeneratedRequestId"/> holds it.</summary>
    public string? GivenRequestId;

    /// <summary>The bits of the generated request id (see <see cref="PromptOpsContext.FormatRequestId"/>).</summary>
    public UInt128 GeneratedRequestId;

    public DateTimeOffset Timestamp;
    public string Feature;
    public string? UserId;
    public string? TenantId;
    public IReadOnlyDictionary<string, string>? Tags;
    public string? PromptId;
    public string? PromptVersion;
    public string? Variant;
    public string? Label;
    public string? Model;
    public string? DowngradedFrom;
    public string? ResponseModel;
    public string? Provider;
    public float? Temperature;
    public int? MaxOutputTokens;
    public long? InputTokens;
    public long? OutputTokens;
    public long? CachedInputTokens;
    public long? CacheWriteInputTokens;
    public long? ReasoningTokens;
    public int? EstimatedInputTokens;
    public bool UsageEstimated;
    public bool UsageClamped;
    public bool Streaming;
    public TimeSpan Latency;
    public TimeSpan? TimeToFirstToken;
    public decimal? Cost;
    public string? PriceSource;
    public string[]? ToolsAvailable;
    public List<string>? ToolsCalled;
    public string? FinishReason;
    public Exception? Error;
    public PromptCallContentCapture Capture;

    /// <summary>The messages sent, kept only when content is captured.</summary>
    public ChatMessage[]? InputMessages;

    /// <summary>The response text, kept only when content is captured.</summary>
    public string? OutputContent;

    /// <summary>Gets the request id (formatted again for a generated one), for messages about a record that was dropped.</summary>
    public readonly string RequestId => GivenRequestId ?? PromptOpsContext.FormatRequestId(GeneratedRequestId);

    /// <summary>Builds the record; called once, on the dispatcher's worker.</summary>
    public readonly PromptCallRecord ToRecord() => new()
    {
        RequestId = RequestId,
        Timestamp = Timestamp,
        Feature = Feature,
        UserId = UserId,
        TenantId = TenantId,
        PromptId = PromptId,
        PromptVersion = PromptVersion,
        Variant = Variant,
        Label = Label,
        Model = Model,
        DowngradedFrom = DowngradedFrom,
        ResponseModel = ResponseModel,
        Provider = Provider,
        Temperature = Temperature,
        MaxOutputTokens = MaxOutputTokens,
        InputTokens = InputTokens,
        OutputTokens = OutputTokens,
        CachedInputTokens = CachedInputTokens,
        CacheWriteInputTokens = CacheWriteInputTokens,
        ReasoningTokens = ReasoningTokens,
        EstimatedInputTokens = EstimatedInputTokens,
        UsageEstimated = UsageEstimated,
        UsageClamped = UsageClamped,
        Latency = Latency,
        TimeToFirstToken = Streaming ? TimeToFirstToken : null,
        Cost = Cost,
        PriceSource = Cost is null ? null : PriceSource,
        ToolsAvailable = ToolsAvailable ?? [],
        ToolsCalled = ToolsCalled ?? (IReadOnlyList<string>)[],
        FinishReason = FinishReason,
        Success = Error is null,
        ErrorType = Error?.GetType().FullName,
        Error = Error?.Message,
        Streaming = Streaming,
        Tags = Tags ?? PromptCallRecord.NoTags,
        InputContent = InputMessages is { } sent ? FormatMessages(sent) : null,
        OutputContent = Capture == PromptCallContentCapture.Off ? null : OutputContent,
        RedactionPending = Capture == PromptCallContentCapture.Redacted,
    };

    private static string FormatMessages(ChatMessage[] messages)
    {
        var text = new StringBuilder();
        foreach (var message in messages)
        {
            text.Append(message.Role.Value).Append(": ").Append(message.Text).Append('\n');
        }

        return text.ToString();
    }
}
