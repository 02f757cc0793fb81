using System.Net;
using System.Text;
using static System.FormattableString;

namespace PromptOps.Testing;

/// <summary>Writes an <see cref="EvalReport"/> as GitHub Markdown or as one self-contained HTML page (no script, nothing from the network).</summary>
public static class EvalReportWriter
{
    /// <summary>Formats the report as GitHub Markdown: targets, A/B comparison, baseline changes, assertions, and the failing runs.</summary>
    /// <param name="report">The report.</param>
    /// <param name="baseline">The comparison with a baseline, or <see langword="null"/>.</param>
    /// <returns>The Markdown text.</returns>
    public static string ToMarkdown(EvalReport report, EvalBaselineComparison? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.Append(Invariant($"# Eval: {report.Suite}\n\n"));
        md.Append(Invariant($"{(report.Passed ? "**Passed**" : "**Failed**")}: every target needs a pass rate of {Percent(report.MinPassRate)}; a run passes at a weighted score of {report.Threshold:0.##}. {report.Repeats} repeat(s) per case. Started {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, took {report.DurationMs / 1000:0.0} s.\n\n"));
        md.Append("| target | prompt | model | pass rate | passed | failed | errored | mean score | cost (USD) | tokens in/out | p95 latency |\n");
        md.Append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var t in report.Targets)
        {
            md.Append(Invariant($"| {Cell(t.Name)} | {Cell(t.Prompt)} | {Cell(t.Model ?? "-")} | {(t.MeetsPassRate ? "✅" : "❌")} {Percent(t.PassRate)} | {t.PassedRuns} | {t.FailedRuns} | {t.ErroredRuns} | {t.MeanScore:0.00} | {Cost(t)} | {t.InputTokens}/{t.OutputTokens} | {t.P95LatencyMs:0} ms |\n"));
        }

        if (report.Comparison is { } comparison)
        {
            md.Append("\n## A/B comparison\n\n").Append(comparison.Summary).Append('\n');
        }

        if (baseline is not null)
        {
            md.Append("\n## Against the baseline\n\n");
            md.Append(Invariant($"{baseline.Regressions.Count} regression(s), {baseline.Fixes.Count} fix(es), {baseline.NewCases.Count} new case(s), {baseline.MissingCases.Count} missing case(s).\n"));
            foreach (var change in baseline.Regressions)
            {
                md.Append(Invariant($"- ❌ **{Cell(change.Target)} / {Cell(change.CaseId)}**: {change.Before} → {change.After}. {Cell(change.Reason ?? string.Empty)}\n"));
            }

            foreach (var change in baseline.Fixes)
            {
                md.Append(Invariant($"- ✅ {Cell(change.Target)} / {Cell(change.CaseId)}: {change.Before} → {change.After}\n"));
            }
        }

        md.Append("\n## Assertions\n\n| target | assertion | passed | errored | pass rate |\n|---|---|---:|---:|---:|\n");
        foreach (var t in report.Targets)
        {
            foreach (var a in t.Assertions)
            {
                md.Append(Invariant($"| {Cell(t.Name)} | {Cell(a.Label)} | {a.Passed}/{a.Evaluated} | {a.Errored} | {Percent(a.PassRate)} |\n"));
            }
        }

        var failing = report.RunsNotPassed().ToList();
        md.Append(Invariant($"\n## Runs that did not pass ({failing.Count})\n\n"));
        if (failing.Count == 0)
        {
            md.Append("None.\n");
        }

        foreach (var (target, evalCase, run) in failing)
        {
            md.Append(Invariant($"- **{Cell(target.Name)} / {Cell(evalCase.CaseId)}**{(report.Repeats > 1 ? $" (repeat {run.Repeat})" : string.Empty)} {run.Outcome.ToString().ToLowerInvariant()}: "));
            md.Append(Cell(run.FailureReason));
            if (run.Output is not null)
            {
                md.Append(" — reply: `").Append(Cell(Snippets.Shorten(run.Output, 160)).Replace("`", "'", StringComparison.Ordinal)).Append('`');
            }

            md.Append('\n');
        }

        return md.ToString();
    }

    /// <summary>Formats the report as one self-contained HTML page with a pass-rate bar per target.</summary>
    /// <param name="report">The report.</param>
    /// <param name="baseline">The comparison with a baseline, or <see langword="null"/>.</param>
    /// <returns>The HTML text.</returns>
    public static string ToHtml(EvalReport report, EvalBaselineComparison? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Eval: ").Append(E(report.Suite)).Append("</title>\n<style>");
        html.Append("body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}");
        html.Append("th{background:#f6f8fa}.pass{color:#1a7f37}.fail{color:#cf222e}.bar{background:#eee;width:200px;height:12px;display:inline-block}.fill{background:#1a7f37;height:12px}code{white-space:pre-wrap}");
        html.Append("</style></head><body>\n");
        html.Append(Invariant($"<h1>Eval: {E(report.Suite)} <span class=\"{(report.Passed ? "pass" : "fail")}\">{(report.Passed ? "passed" : "failed")}</span></h1>\n"));
        html.Append(Invariant($"<p>Minimum pass rate {Percent(report.MinPassRate)}, run threshold {report.Threshold:0.##}, {report.Repeats} repeat(s), started {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {report.DurationMs / 1000:0.0} s.</p>\n"));
        html.Append("<table><tr><th>target</th><th>prompt</th><th>model</th><th>pass rate</th><th>passed / failed / errored</th><th>mean score</th><th>cost (USD)</th><th>tokens in/out</th><th>p95 latency</th></tr>\n");
        foreach (var t in report.Targets)
        {
            html.Append(Invariant($"<tr><td>{E(t.Name)}</td><td>{E(t.Prompt)}</td><td>{E(t.Model ?? "-")}</td><td><span class=\"bar\"><div class=\"fill\" style=\"width:{t.PassRate * 100:0.#}%\"></div></span> <span class=\"{(t.MeetsPassRate ? "pass" : "fail")}\">{Percent(t.PassRate)}</span></td><td>{t.PassedRuns} / {t.FailedRuns} / {t.ErroredRuns}</td><td>{t.MeanScore:0.00}</td><td>{E(Cost(t))}</td><td>{t.InputTokens}/{t.OutputTokens}</td><td>{t.P95LatencyMs:0} ms</td></tr>\n"));
        }

        html.Append("</table>\n");
        if (report.Comparison is { } comparison)
        {
            html.Append("<h2>A/B comparison</h2><p>").Append(E(comparison.Summary)).Append("</p>\n");
        }

        if (baseline is not null)
        {
            html.Append(Invariant($"<h2>Against the baseline</h2><p>{baseline.Regressions.Count} regression(s), {baseline.Fixes.Count} fix(es), {baseline.NewCases.Count} new, {baseline.MissingCases.Count} missing.</p><ul>"));
            foreach (var change in baseline.Regressions)
            {
                html.Append(Invariant($"<li class=\"fail\">{E(change.Target)} / {E(change.CaseId)}: {E(change.Before)} → {E(change.After)}. {E(change.Reason ?? string.Empty)}</li>"));
            }

            html.Append("</ul>\n");
        }

        html.Append("<h2>Cases</h2><table><tr><th>target</th><th>case</th><th>result</th><th>reply</th><th>details</th></tr>\n");
        foreach (var t in report.Targets)
        {
            foreach (var c in t.Cases)
            {
                var run = c.Runs.FirstOrDefault(r => r.Outcome != EvalOutcome.Passed) ?? (c.Runs.Count > 0 ? c.Runs[0] : null);
                var details = run is null ? string.Empty : run.Error ?? string.Join("; ", run.Assertions.Select(a => $"{(a.Passed ? "✓" : "✗")} {a.Label}: {a.Reason}"));
                html.Append(Invariant($"<tr><td>{E(t.Name)}</td><td>{E(c.CaseId)}</td><td class=\"{(c.Passed ? "pass" : "fail")}\">{c.PassedRuns}/{c.Runs.Count}</td><td><code>{E(Snippets.Shorten(run?.Output ?? string.Empty, 300))}</code></td><td>{E(details)}</td></tr>\n"));
            }
        }

        html.Append("</table>\n</body></html>\n");
        return html.ToString();
    }

    private static string Cost(EvalTargetReport t) => Invariant($"${t.CostUsd:0.######}") + (t.UnpricedRuns > 0 ? Invariant($" (+{t.UnpricedRuns} unpriced)") : string.Empty);

    private static string Percent(double rate) => Invariant($"{rate * 100:0.#}%");

    private static string Cell(string text) => text.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
