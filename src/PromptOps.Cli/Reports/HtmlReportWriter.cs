using System.Globalization;
using System.Net;
using System.Text;

namespace PromptOps.Cli.Reports;

/// <summary>
/// Writes a cost report as one self-contained HTML file: inline CSS and SVG charts, no script and nothing fetched from the
/// network, so it opens offline and can be attached to an incident or mailed.
/// </summary>
internal static class HtmlReportWriter
{
    private const string Css = """
        :root { --ink:#1d2330; --muted:#5b6577; --line:#e3e7ee; --bar:#3b6fd8; --warn:#d9901a; --bad:#c8372d; --ok:#2f9e5b; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; background: #f6f7fa; }
        main { max-width: 1080px; margin: 0 auto; padding: 28px 24px 48px; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 10px; }
        .sub { color: var(--muted); margin: 0 0 20px; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
        .card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
        .card .v { font-size: 20px; font-weight: 600; margin-top: 2px; white-space: nowrap; }
        section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-top: 14px; }
        section h2 { margin-top: 0; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
        th { white-space: normal; }
        th { color: var(--muted); font-weight: 600; font-size: 12px; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
        .meter { background: #edf0f5; border-radius: 4px; height: 10px; min-width: 90px; position: relative; overflow: hidden; }
        .meter span { display: block; height: 100%; border-radius: 4px; }
        .grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
        @media (max-width: 800px) { .grid2 { grid-template-columns: 1fr; } }
        .grid2 section { margin-top: 0; }
        .empty { color: var(--muted); font-style: italic; }
        svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
        footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
        """;

    public static string Write(CostReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>PromptOps cost report</title>\n<style>").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n");
        html.Append("<h1>PromptOps cost report</h1>\n<p class=\"sub\">").Append(E(ReportFormat.Range(report))).Append(" · store ").Append(E(report.Store)).Append("</p>\n");
        Cards(html, report.Totals);
        Budgets(html, report.BudgetSummaries);
        html.Append("<section><h2>Spend per day</h2>\n").Append(DailyChart(report.Daily)).Append("</section>\n");
        html.Append("<div class=\"grid2\" style=\"margin-top:14px\">\n");
        foreach (var breakdown in report.Breakdowns.Where(b => b.By is not (CallGrouping.Day or CallGrouping.Hour)))
        {
            html.Append("<section><h2>Cost by ").Append(E(breakdown.Name)).Append("</h2>\n").Append(BarChart(breakdown.Rows)).Append("</section>\n");
        }

        html.Append("</div>\n");
        foreach (var breakdown in report.Breakdowns)
        {
            Breakdown(html, $"By {breakdown.Name}", breakdown);
        }

        foreach (var driver in report.TopDrivers)
        {
            Breakdown(html, $"Top cost drivers: {Plural(driver.By)}", driver);
        }

        Table(html, "Quality by prompt version", VersionQualityText.Headers, report.Quality.Select(VersionQualityText.Cells));
        Table(html, "A/B: each variant against the control (* = the 95% interval excludes 0)", VersionQualityText.ComparisonHeaders, report.Comparisons.Select(VersionQualityText.Cells));
        html.Append("<footer>Generated ").Append(E(ReportFormat.Date(report.GeneratedAt))).Append(" UTC by promptops report. Costs come from the prices recorded with each call; calls to models without a known price are counted as unpriced, not as $0.</footer>\n");
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Cards(StringBuilder html, CallAggregate totals)
    {
        html.Append("<div class=\"cards\">\n");
        Card(html, "Spend", ReportFormat.Usd(totals.Cost) + (totals.UnpricedCalls > 0 ? $" + {ReportFormat.Count(totals.UnpricedCalls)} unpriced" : string.Empty));
        Card(html, "Calls", ReportFormat.Count(totals.Calls));
        Card(html, "Error rate", ReportFormat.Share(totals.ErrorRate));
        Card(html, "Input tokens", ReportFormat.Count(totals.InputTokens));
        Card(html, "Output tokens", ReportFormat.Count(totals.OutputTokens));
        Card(html, "Latency p50 / p95", $"{ReportFormat.Duration(totals.P50Latency)} / {ReportFormat.Duration(totals.P95Latency)}");
        html.Append("</div>\n");
    }

    private static void Card(StringBuilder html, string key, string value) =>
        html.Append("<div class=\"card\"><div class=\"k\">").Append(E(key)).Append("</div><div class=\"v\">").Append(E(value)).Append("</div></div>\n");

    private static void Budgets(StringBuilder html, IReadOnlyList<BudgetSummary> budgets)
    {
        html.Append("<section><h2>Spend against budget</h2>\n");
        if (budgets.Count == 0)
        {
            html.Append("<p class=\"empty\">No spend budget has counted a call in this range. Configure PromptOps:Spending:Budgets to see spend against limits here.</p></section>\n");
            return;
        }

        html.Append("<table><thead><tr><th>Budget</th><th>Scope</th><th>Latest period</th><th class=\"n\">Spent</th><th class=\"n\">Limit</th><th>Used</th><th class=\"n\"></th><th class=\"n\">Periods near / over</th><th class=\"n\">Peak</th></tr></thead><tbody>\n");
        foreach (var summary in budgets)
        {
            var budget = summary.Latest;
            var share = budget.Share ?? 0;
            var color = share >= 1 ? "var(--bad)" : share >= 0.9 ? "var(--warn)" : "var(--ok)";
            html.Append("<tr><td>").Append(E(budget.Budget)).Append("</td><td>").Append(E(ReportFormat.Scope(budget)))
                .Append("</td><td>").Append(E($"{budget.Period.ToLowerInvariant()} {ReportFormat.Date(budget.PeriodStart)}"))
                .Append("</td><td class=\"n\">").Append(E(ReportFormat.Usd(budget.SpentUsd)))
                .Append("</td><td class=\"n\">").Append(E(budget.LimitUsd is { } limit ? ReportFormat.Usd(limit) : "not configured"))
                .Append("</td><td><div class=\"meter\" title=\"").Append(E(ReportFormat.Share(share))).Append("\"><span style=\"width:")
                .Append(Math.Min(100, share * 100).ToString("0.#", CultureInfo.InvariantCulture)).Append("%;background:").Append(color).Append("\"></span></div>")
                .Append("</td><td class=\"n\">").Append(E(budget.Share is null ? string.Empty : ReportFormat.Share(share)))
                .Append("</td><td class=\"n\">").Append(E($"{summary.NearLimit} / {summary.OverLimit} of {summary.Periods}"))
                .Append("</td><td class=\"n\">").Append(E(summary.PeakShare is { } peak ? ReportFormat.Share(peak) : string.Empty)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table></section>\n");
    }

    private static void Breakdown(StringBuilder html, string title, ReportBreakdown breakdown)
    {
        html.Append("<section><h2>").Append(E(title)).Append("</h2>\n");
        if (breakdown.Rows.Count == 0)
        {
            html.Append("<p class=\"empty\">No priced calls.</p></section>\n");
            return;
        }

        html.Append("<table><thead><tr><th>").Append(E(breakdown.Name)).Append("</th><th class=\"n\">Cost</th><th class=\"n\">Calls</th><th class=\"n\">Errors</th><th class=\"n\">Input tokens</th><th class=\"n\">Output tokens</th><th class=\"n\">p50</th><th class=\"n\">p95</th></tr></thead><tbody>\n");
        foreach (var row in breakdown.Rows)
        {
            html.Append("<tr><td>").Append(E(row.Keys[0])).Append("</td>");
            foreach (var cell in (string[])[ReportFormat.Usd(row.Cost), ReportFormat.Count(row.Calls), ReportFormat.Share(row.ErrorRate), ReportFormat.Count(row.InputTokens), ReportFormat.Count(row.OutputTokens), ReportFormat.Duration(row.P50Latency), ReportFormat.Duration(row.P95Latency)])
            {
                html.Append("<td class=\"n\">").Append(E(cell)).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody></table></section>\n");
    }

    /// <summary>A column per day, scaled to the dearest day, with the axis maximum and every few dates labelled.</summary>
    private static string DailyChart(IReadOnlyList<CallAggregate> days)
    {
        if (days.Count == 0)
        {
            return "<p class=\"empty\">No calls in this range.</p>\n";
        }

        const int width = 1000, height = 240, left = 64, bottom = 28, top = 12;
        var max = Math.Max(days.Max(d => d.Cost), 0.000001m);
        // At least two weeks of slots: one day is one bar of ordinary width, not the whole chart.
        var slot = (double)(width - left - 8) / Math.Max(days.Count, 14);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"Spend per day\"><title>Spend per day</title>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width}\" y2=\"{height - bottom}\" stroke=\"#cfd5df\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + 8}\" text-anchor=\"end\">{E(ReportFormat.Usd(max))}</text><text x=\"{left - 6}\" y=\"{height - bottom}\" text-anchor=\"end\">$0</text>\n");
        var labelEvery = Math.Max(1, (int)Math.Ceiling(days.Count / 12.0));
        for (var i = 0; i < days.Count; i++)
        {
            var barHeight = (double)(days[i].Cost / max) * (height - bottom - top);
            var x = left + (i * slot) + (slot * 0.15);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x:0.##}\" y=\"{height - bottom - barHeight:0.##}\" width=\"{slot * 0.7:0.##}\" height=\"{barHeight:0.##}\" fill=\"#3b6fd8\" rx=\"2\"><title>{E(days[i].Keys[0])}: {E(ReportFormat.Usd(days[i].Cost))}, {E(ReportFormat.Count(days[i].Calls))} calls</title></rect>\n");
            if (i % labelEvery == 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (slot * 0.35):0.##}\" y=\"{height - 8}\" text-anchor=\"middle\">{E(days[i].Keys[0][5..])}</text>\n");
            }
        }

        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>Horizontal bars of the ten dearest groups.</summary>
    private static string BarChart(IReadOnlyList<CallAggregate> rows)
    {
        var shown = rows.Where(r => r.Cost > 0).Take(10).ToList();
        if (shown.Count == 0)
        {
            return "<p class=\"empty\">No priced calls.</p>\n";
        }

        const int width = 480, label = 150, row = 24, value = 80;
        var max = shown.Max(r => r.Cost);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg viewBox=\"0 0 {width} {(shown.Count * row) + 4}\" width=\"100%\" role=\"img\" aria-label=\"Cost by group\"><title>Cost by group</title>\n");
        for (var i = 0; i < shown.Count; i++)
        {
            var y = (i * row) + 2;
            var barWidth = Math.Max(1, (double)(shown[i].Cost / max) * (width - label - value));
            var name = shown[i].Keys[0].Length > 24 ? shown[i].Keys[0][..23] + "…" : shown[i].Keys[0];
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{label - 6}\" y=\"{y + 15}\" text-anchor=\"end\">{E(name)}</text>")
                .Append(CultureInfo.InvariantCulture, $"<rect x=\"{label}\" y=\"{y + 3}\" width=\"{barWidth:0.##}\" height=\"{row - 8}\" fill=\"#3b6fd8\" rx=\"2\"><title>{E(shown[i].Keys[0])}: {E(ReportFormat.Usd(shown[i].Cost))}</title></rect>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{label + barWidth + 6:0.##}\" y=\"{y + 15}\">{E(ReportFormat.Usd(shown[i].Cost))}</text>\n");
        }

        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>A section with a plain table of text cells, left out when there are no rows; every cell is HTML-encoded.</summary>
    private static void Table(StringBuilder html, string title, string[] headers, IEnumerable<string[]> rows)
    {
        var list = rows.ToList();
        if (list.Count == 0)
        {
            return;
        }

        html.Append("<section><h2>").Append(E(title)).Append("</h2>\n<table><thead><tr>");
        foreach (var header in headers)
        {
            html.Append("<th>").Append(E(header)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>\n");
        foreach (var row in list)
        {
            html.Append("<tr>");
            foreach (var cell in row)
            {
                html.Append("<td>").Append(E(cell)).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody></table></section>\n");
    }

    private static string Plural(CallGrouping grouping) => grouping switch
    {
        CallGrouping.User => "users",
        CallGrouping.Feature => "features",
        CallGrouping.PromptVersion => "prompt versions",
        _ => CostReport.Name(grouping),
    };

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
