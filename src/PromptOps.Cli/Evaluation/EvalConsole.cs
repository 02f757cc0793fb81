using PromptOps.Testing;
using static System.FormattableString;

namespace PromptOps.Cli.Evaluation;

/// <summary>The console summary of an eval run: one line per target, the A/B reading, baseline changes and the runs that did not pass.</summary>
internal static class EvalConsole
{
    private const int MaxListedRuns = 20;

    public static void Write(TextWriter output, EvalReport report, EvalBaselineComparison? baseline)
    {
        var width = Math.Max(6, report.Targets.Max(t => t.Name.Length));
        output.WriteLine(Invariant($"{"target".PadRight(width)}  {"pass rate",9}  {"passed",6}  {"failed",6}  {"errored",7}  {"score",5}  {"cost (USD)",11}  {"p95 ms",7}"));
        foreach (var t in report.Targets)
        {
            output.WriteLine(Invariant($"{t.Name.PadRight(width)}  {t.PassRate * 100,8:0.0}%  {t.PassedRuns,6}  {t.FailedRuns,6}  {t.ErroredRuns,7}  {t.MeanScore,5:0.00}  {t.CostUsd,11:0.000000}  {t.P95LatencyMs,7:0}  {(t.MeetsPassRate ? "ok" : Invariant($"FAILED (needs {report.MinPassRate * 100:0.#}%)"))}"));
        }

        if (report.Comparison is { } comparison)
        {
            output.WriteLine();
            output.WriteLine(comparison.Summary);
        }

        if (baseline is not null)
        {
            output.WriteLine();
            output.WriteLine(Invariant($"Against the baseline: {baseline.Regressions.Count} regression(s), {baseline.Fixes.Count} fix(es), {baseline.NewCases.Count} new case(s), {baseline.MissingCases.Count} missing case(s)."));
            foreach (var change in baseline.Regressions)
            {
                output.WriteLine(Invariant($"  REGRESSION {change.Target} / {change.CaseId}: {change.Before} -> {change.After}. {change.Reason}"));
            }

            foreach (var change in baseline.Fixes)
            {
                output.WriteLine(Invariant($"  fixed      {change.Target} / {change.CaseId}: {change.Before} -> {change.After}"));
            }
        }

        var failing = report.RunsNotPassed().ToList();
        if (failing.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(Invariant($"Runs that did not pass ({failing.Count}):"));
            foreach (var (target, evalCase, run) in failing.Take(MaxListedRuns))
            {
                output.WriteLine(Invariant($"  {target.Name} / {evalCase.CaseId}{(report.Repeats > 1 ? $" #{run.Repeat}" : string.Empty)} {run.Outcome.ToString().ToLowerInvariant()}: {run.FailureReason}"));
            }

            if (failing.Count > MaxListedRuns)
            {
                output.WriteLine(Invariant($"  ... and {failing.Count - MaxListedRuns} more (write the full report with --out report.md)."));
            }
        }

        output.WriteLine();
        output.WriteLine(report.Passed ? "Eval passed." : "Eval FAILED: a target is below the minimum pass rate.");
    }
}
