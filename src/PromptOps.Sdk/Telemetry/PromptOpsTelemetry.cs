using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PromptOps;

/// <summary>The names PromptOps uses in traces and metrics, for dashboards, alerts and OpenTelemetry configuration.</summary>
/// <remarks>
/// Subscribe with <c>tracing.AddSource(PromptOpsTelemetry.SourceName)</c> and <c>metrics.AddMeter(PromptOpsTelemetry.MeterName)</c>.
/// Span attributes and the <c>gen_ai.client.*</c> metrics follow the OpenTelemetry GenAI semantic conventions: v1.41 by
/// default, the newest names when <c>OTEL_SEMCONV_STABILITY_OPT_IN</c> contains <c>gen_ai_latest_experimental</c>
/// (docs/telemetry.md lists both).
/// </remarks>
public static class PromptOpsTelemetry
{
    /// <summary>The name of the <see cref="ActivitySource"/>: <c>PromptOps</c>.</summary>
    public const string SourceName = "PromptOps";

    /// <summary>The name of the <see cref="Meter"/>: <c>PromptOps</c>.</summary>
    public const string MeterName = "PromptOps";

    /// <summary>Span attribute: the prompt id.</summary>
    public const string PromptIdAttribute = "promptops.prompt.id";

    /// <summary>Span attribute: the prompt version.</summary>
    public const string PromptVersionAttribute = "promptops.prompt.version";

    /// <summary>Span attribute: the A/B variant.</summary>
    public const string PromptVariantAttribute = "promptops.prompt.variant";

    /// <summary>Span attribute and metric tag: the feature.</summary>
    public const string FeatureAttribute = "promptops.feature";

    /// <summary>Span attribute: the cost of the call in USD.</summary>
    public const string CostAttribute = "promptops.cost.usd";

    /// <summary>Span attribute: the request id.</summary>
    public const string RequestIdAttribute = "promptops.request.id";

    /// <summary>Span attribute: <see langword="true"/> when the token counts are PromptOps' estimate.</summary>
    public const string UsageEstimatedAttribute = "promptops.usage.estimated";

    /// <summary>Metric: cost of calls in USD (counter).</summary>
    public const string CostMetric = "promptops.cost";

    /// <summary>Metric: calls rejected by a token budget or a spend budget (counter).</summary>
    public const string BudgetRejectionsMetric = "promptops.budget.rejections";

    /// <summary>Metric: token budget alerts, raised when a call used at least the alert threshold of its budget (counter).</summary>
    public const string BudgetAlertsMetric = "promptops.budget.alerts";

    /// <summary>Metric: spend budget alerts, each threshold once per period and scope value (counter).</summary>
    public const string SpendAlertsMetric = "promptops.spend.alerts";

    /// <summary>Metric tag: the name of the spend budget (on <c>promptops.spend.alerts</c> and spend rejections in <c>promptops.budget.rejections</c>).</summary>
    public const string BudgetNameAttribute = "promptops.budget.name";

    /// <summary>Metric tag: the alert threshold, a share of the limit such as 0.9.</summary>
    public const string BudgetThresholdAttribute = "promptops.budget.threshold";

    /// <summary>Span attribute: the model a spend budget downgraded the call from.</summary>
    public const string DowngradedFromAttribute = "promptops.spend.downgraded_from";

    /// <summary>Metric: call records dropped because the sink queue was full (counter).</summary>
    public const string SinkDroppedMetric = "promptops.sink.dropped";

    /// <summary>Metric: call records a sink could not store after its retries (counter, tagged with <see cref="SinkAttribute"/>).</summary>
    public const string SinkErrorsMetric = "promptops.sink.errors";

    /// <summary>Metric tag: the full type name of the sink.</summary>
    public const string SinkAttribute = "promptops.sink";

    internal static readonly ActivitySource Source = new(SourceName, typeof(PromptOpsTelemetry).Assembly.GetName().Version?.ToString());
    internal static readonly Meter Meter = new(MeterName, typeof(PromptOpsTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Histogram<long> TokenUsageHistogram = Meter.CreateHistogram<long>(
        GenAI.TokenUsageMetric, "{token}", "Measures number of input and output tokens used",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });

    internal static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>(
        GenAI.OperationDurationMetric, "s", "Measures the duration of a GenAI operation",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    internal static readonly Histogram<double> TimeToFirstChunk = Meter.CreateHistogram<double>(
        GenAI.TimeToFirstChunkMetric, "s", "Measures the time to receive the first chunk in a streaming operation",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    internal static readonly Histogram<double> InferenceDuration = Meter.CreateHistogram<double>(
        GenAI.Latest.InferenceDurationMetric, "s", "Measures the duration of a GenAI inference",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    internal static readonly Histogram<double> InferenceTimeToFirstChunk = Meter.CreateHistogram<double>(
        GenAI.Latest.TimeToFirstChunkMetric, "s", "Measures the time to receive the first chunk in a streaming inference",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    internal static readonly Counter<long> InputTokensUsed = Meter.CreateCounter<long>(GenAI.Latest.InputTokensMetric, "{token}", "Input tokens used by GenAI inferences");
    internal static readonly Counter<long> OutputTokensUsed = Meter.CreateCounter<long>(GenAI.Latest.OutputTokensMetric, "{token}", "Output tokens used by GenAI inferences");
    internal static readonly Counter<long> CacheReadTokensUsed = Meter.CreateCounter<long>(GenAI.Latest.CacheReadTokensMetric, "{token}", "Input tokens read from the prompt cache");
    internal static readonly Counter<long> CacheWriteTokensUsed = Meter.CreateCounter<long>(GenAI.Latest.CacheWriteTokensMetric, "{token}", "Input tokens written to the prompt cache");

    internal static readonly Histogram<long> OperationInputTokens = Meter.CreateHistogram<long>(
        GenAI.Latest.OperationInputTokensMetric, "{token}", "Input tokens of one GenAI inference",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });

    internal static readonly Histogram<long> OperationOutputTokens = Meter.CreateHistogram<long>(
        GenAI.Latest.OperationOutputTokensMetric, "{token}", "Output tokens of one GenAI inference",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });

    internal static readonly Counter<double> Cost = Meter.CreateCounter<double>(CostMetric, "USD", "Cost of LLM calls in US dollars");
    internal static readonly Counter<long> BudgetRejections = Meter.CreateCounter<long>(BudgetRejectionsMetric, "{call}", "Calls rejected by a token or spend budget before they were sent");
    internal static readonly Counter<long> BudgetAlerts = Meter.CreateCounter<long>(BudgetAlertsMetric, "{alert}", "Calls that used at least the alert threshold of their token budget");
    internal static readonly Counter<long> SpendAlerts = Meter.CreateCounter<long>(SpendAlertsMetric, "{alert}", "Spend budget alerts, each threshold once per period and scope value");
    internal static readonly Counter<long> SinkDropped = Meter.CreateCounter<long>(SinkDroppedMetric, "{record}", "Call records dropped because the sink queue was full");
    internal static readonly Counter<long> SinkErrors = Meter.CreateCounter<long>(SinkErrorsMetric, "{record}", "Call records a sink could not store after its retries");

    private static long[] TokenBuckets => [1, 4, 16, 64, 256, 1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864];

    private static double[] DurationBuckets => [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
}
