using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace PromptOps.Dashboard.Pages;

/// <summary>Per-version quality and the A/B comparisons, the same numbers as <c>promptops report --by version</c>.</summary>
internal static class QualityPage
{
    public static async Task WriteAsync(DashboardPage page, CancellationToken cancellationToken)
    {
        if (page.Store is not { } store)
        {
            page.NoStore();
            return;
        }

        var range = RangeFilter.Write(page, "/quality");
        var feedback = page.Services.GetService<IFeedbackStore>();
        var (rows, comparisons) = await VersionQuality.BuildAsync(store, feedback, new CallQuery { From = range.From, To = range.To }, cancellationToken).ConfigureAwait(false);
        var html = page.Body;
        if (rows.Count == 0)
        {
            html.Element("p", $"No call made from a prompt was recorded in {range.Description}.", "note");
            return;
        }

        html.Raw("<div class=\"scroll\"><table id=\"quality\">")
            .HeaderRow("Version", "Variant", "#Calls", "#Errors", "#p50", "#p95", "#TTFT p50", "#In tokens/call", "#Out tokens/call", "#Cost/call", "Feedback (mean, n)")
            .Raw("<tbody>");
        foreach (var row in rows)
        {
            var totals = row.Totals;
            html.Raw("<tr>").Cell(row.Version, cssClass: "nowrap").Cell(row.Variant ?? "-", cssClass: "nowrap").Cell(DashboardFormat.Count(totals.Calls), numeric: true)
                .Cell(DashboardFormat.Share(totals.ErrorRate), numeric: true)
                .Cell(DashboardFormat.Duration(totals.P50Latency), numeric: true).Cell(DashboardFormat.Duration(totals.P95Latency), numeric: true)
                .Cell(totals.P50TimeToFirstToken is { } first ? DashboardFormat.Duration(first) : "-", numeric: true)
                .Cell(VersionQualityFormat.PerCall(totals.InputTokens, totals.Calls), numeric: true).Cell(VersionQualityFormat.PerCall(totals.OutputTokens, totals.Calls), numeric: true)
                .Cell(row.CostPerCall is { } cost ? DashboardFormat.Usd(cost) : "unpriced", numeric: true)
                .Cell(row.Feedback.Count == 0 ? "-" : string.Join("; ", row.Feedback.Select(VersionQualityFormat.Signal))).Raw("</tr>");
        }

        html.Raw("</tbody></table></div>");
        html.Element("h2", "A/B: each variant against the control");
        if (comparisons.Count == 0)
        {
            html.Element("p", "No prompt was served as a split (an A/B test) in this period.", "note");
            return;
        }

        html.Element("p", "The control is the variant with the most calls. Differences are shown with their 95% confidence interval; a marked one excludes 0.", "note");
        html.Raw("<div class=\"scroll\"><table id=\"comparisons\">")
            .HeaderRow("Prompt", "Measure", "Control", "Candidate", "#Control", "#Candidate", "#Difference (95% CI)", "#p", "")
            .Raw("<tbody>");
        foreach (var comparison in comparisons)
        {
            var better = comparison.Measure == "error_rate" ? comparison.High < 0 : comparison.Low > 0;
            html.Raw("<tr>").Cell(comparison.PromptId, cssClass: "nowrap").Cell(comparison.Measure, cssClass: "nowrap").Cell(comparison.Control).Cell(comparison.Candidate)
                .Cell(VersionQualityFormat.Number(comparison.ControlValue, comparison.Measure), numeric: true).Cell(VersionQualityFormat.Number(comparison.CandidateValue, comparison.Measure), numeric: true)
                .Cell($"{VersionQualityFormat.Number(comparison.Difference, comparison.Measure, true)} ({VersionQualityFormat.Number(comparison.Low, comparison.Measure, true)} to {VersionQualityFormat.Number(comparison.High, comparison.Measure, true)})", numeric: true)
                .Cell(comparison.PValue.ToString("0.0000", CultureInfo.InvariantCulture), numeric: true)
                .Raw("<td>");
            if (comparison.Significant)
            {
                html.Element("span", better ? "better" : "worse", better ? "badge good" : "badge bad");
            }
            else
            {
                html.Element("span", "no clear difference", "badge");
            }

            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table></div>");
    }
}
