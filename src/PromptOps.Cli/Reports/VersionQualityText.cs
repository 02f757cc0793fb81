using System.Globalization;

namespace PromptOps.Cli.Reports;

/// <summary>The per-version quality table and its A/B comparisons (<see cref="VersionQuality"/>) as cells for every report format.</summary>
internal static class VersionQualityText
{
    /// <summary>The columns of the quality table, for every output format.</summary>
    public static readonly string[] Headers = ["Version", "Variant", "Calls", "Errors", "p50", "p95", "TTFT p50", "In tokens/call", "Out tokens/call", "Cost/call", "Feedback (mean, n)"];

    /// <summary>The columns of the A/B table.</summary>
    public static readonly string[] ComparisonHeaders = ["Prompt", "Measure", "Control", "Candidate", "Control value", "Candidate value", "Difference (95% CI)", "p"];

    /// <summary>One row of the quality table, formatted.</summary>
    public static string[] Cells(VersionQualityRow row) =>
    [
        row.Version,
        row.Variant ?? "-",
        ReportFormat.Count(row.Totals.Calls),
        ReportFormat.Share(row.Totals.ErrorRate),
        ReportFormat.Duration(row.Totals.P50Latency),
        ReportFormat.Duration(row.Totals.P95Latency),
        row.Totals.P50TimeToFirstToken is { } firstToken ? ReportFormat.Duration(firstToken) : "-",
        PerCall(row.Totals.InputTokens, row.Totals.Calls),
        PerCall(row.Totals.OutputTokens, row.Totals.Calls),
        row.CostPerCall is { } cost ? ReportFormat.Usd(cost) : "unpriced",
        row.Feedback.Count == 0 ? "-" : string.Join("; ", row.Feedback.Select(Signal)),
    ];

    /// <summary>One row of the A/B table, formatted.</summary>
    public static string[] Cells(VariantComparison comparison) =>
    [
        comparison.PromptId,
        comparison.Measure,
        comparison.Control,
        comparison.Candidate,
        Number(comparison.ControlValue, comparison.Measure),
        Number(comparison.CandidateValue, comparison.Measure),
        $"{Number(comparison.Difference, comparison.Measure, signed: true)} ({Number(comparison.Low, comparison.Measure, signed: true)} to {Number(comparison.High, comparison.Measure, signed: true)}){(comparison.Significant ? " *" : string.Empty)}",
        comparison.PValue.ToString("0.0000", CultureInfo.InvariantCulture),
    ];

    private static string Signal(FeedbackSummary signal) => signal.Mean is { } mean
        ? string.Create(CultureInfo.InvariantCulture, $"{signal.Name} {mean:0.###} (n={signal.Scored})")
        : string.Create(CultureInfo.InvariantCulture, $"{signal.Name} (n={signal.Count})");

    private static string PerCall(long total, long calls) => calls == 0 ? "-" : ((double)total / calls).ToString("#,0.#", CultureInfo.InvariantCulture);

    private static string Number(double value, string measure, bool signed = false) => measure == "error_rate"
        ? (value * 100).ToString(signed ? "+0.0;-0.0" : "0.0", CultureInfo.InvariantCulture) + (signed ? "pp" : "%")
        : value.ToString(signed ? "+0.###;-0.###;0" : "0.###", CultureInfo.InvariantCulture);
}
