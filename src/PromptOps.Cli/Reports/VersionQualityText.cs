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
        VersionQualityFormat.PerCall(row.Totals.InputTokens, row.Totals.Calls),
        VersionQualityFormat.PerCall(row.Totals.OutputTokens, row.Totals.Calls),
        row.CostPerCall is { } cost ? ReportFormat.Usd(cost) : "unpriced",
        row.Feedback.Count == 0 ? "-" : string.Join("; ", row.Feedback.Select(VersionQualityFormat.Signal)),
    ];

    /// <summary>One row of the A/B table, formatted.</summary>
    public static string[] Cells(VariantComparison comparison) =>
    [
        comparison.PromptId,
        comparison.Measure,
        comparison.Control,
        comparison.Candidate,
        VersionQualityFormat.Number(comparison.ControlValue, comparison.Measure),
        VersionQualityFormat.Number(comparison.CandidateValue, comparison.Measure),
        $"{VersionQualityFormat.Number(comparison.Difference, comparison.Measure, signed: true)} ({VersionQualityFormat.Number(comparison.Low, comparison.Measure, signed: true)} to {VersionQualityFormat.Number(comparison.High, comparison.Measure, signed: true)}){(comparison.Significant ? " *" : string.Empty)}",
        comparison.PValue.ToString("0.0000", CultureInfo.InvariantCulture),
    ];
}
