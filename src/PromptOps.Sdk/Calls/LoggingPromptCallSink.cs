using System.Globalization;
using Microsoft.Extensions.Logging;

namespace PromptOps;

/// <summary>
/// The default sink: one structured log event per call (event 2001 at Information, 2002 at Warning for a failed call), and
/// the captured content as event 2003 at Trace only.
/// </summary>
internal sealed partial class LoggingPromptCallSink(ILogger<LoggingPromptCallSink> logger) : IPromptCallSink
{
    public ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken)
    {
        for (var i = 0; i < records.Count; i++)
        {
            Write(records[i]);
        }

        return ValueTask.CompletedTask;
    }

    private void Write(PromptCallRecord record)
    {
        if (!logger.IsEnabled(record.Success ? LogLevel.Information : LogLevel.Warning))
        {
            return;
        }

        var prompt = record.PromptId is null ? "(none)" : $"{record.PromptId}@{record.PromptVersion}";
        var cost = record.Cost?.ToString("0.########", CultureInfo.InvariantCulture) ?? "unknown";
        var latency = record.Latency.TotalMilliseconds;
        if (record.Success)
        {
            LogCall(logger, record.RequestId, record.Feature, prompt, record.Model ?? "(default)", record.InputTokens, record.OutputTokens, record.UsageEstimated, cost, latency);
        }
        else
        {
            LogFailedCall(logger, record.RequestId, record.Feature, prompt, record.Model ?? "(default)", record.ErrorType, record.Error, latency);
        }

        if (logger.IsEnabled(LogLevel.Trace) && (record.InputContent is not null || record.OutputContent is not null))
        {
            LogContent(logger, record.RequestId, record.InputContent, record.OutputContent);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "LLM call {RequestId} for {Feature} with prompt {Prompt} on {Model}: {InputTokens} input and {OutputTokens} output tokens (estimated: {UsageEstimated}), cost ${Cost}, {LatencyMs:0} ms.")]
    private static partial void LogCall(ILogger logger, string requestId, string feature, string prompt, string model, long? inputTokens, long? outputTokens, bool usageEstimated, string cost, double latencyMs);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "LLM call {RequestId} for {Feature} with prompt {Prompt} on {Model} failed after {LatencyMs:0} ms: {ErrorType}: {Error}")]
    private static partial void LogFailedCall(ILogger logger, string requestId, string feature, string prompt, string model, string? errorType, string? error, double latencyMs);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Trace, Message = "LLM call {RequestId} content. Input: {InputContent} Output: {OutputContent}")]
    private static partial void LogContent(ILogger logger, string requestId, string? inputContent, string? outputContent);
}
