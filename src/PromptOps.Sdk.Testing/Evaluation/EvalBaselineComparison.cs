namespace PromptOps.Testing;

/// <summary>A run compared with a saved baseline: regressions, fixes, and cases only one side has.</summary>
/// <remarks>Cases are matched by target name and case id, so keep both stable (give cases a <c>name</c>).</remarks>
public sealed class EvalBaselineComparison
{
    /// <summary>Gets the cases that passed in the baseline and do not pass now.</summary>
    public required IReadOnlyList<EvalCaseChange> Regressions { get; init; }

    /// <summary>Gets the cases that did not pass in the baseline and pass now.</summary>
    public required IReadOnlyList<EvalCaseChange> Fixes { get; init; }

    /// <summary>Gets the <c>target/case</c> pairs this run has and the baseline lacks.</summary>
    public required IReadOnlyList<string> NewCases { get; init; }

    /// <summary>Gets the <c>target/case</c> pairs the baseline has and this run lacks.</summary>
    public required IReadOnlyList<string> MissingCases { get; init; }

    /// <summary>Gets a value indicating whether any case regressed.</summary>
    public bool HasRegressions => Regressions.Count > 0;

    internal static EvalBaselineComparison Create(EvalReport current, EvalReport baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var before = baseline.Targets
            .SelectMany(t => t.Cases.Select(c => (Key: t.Name + "/" + c.CaseId, Case: c)))
            .ToDictionary(x => x.Key, x => x.Case, StringComparer.Ordinal);
        var regressions = new List<EvalCaseChange>();
        var fixes = new List<EvalCaseChange>();
        var added = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in current.Targets)
        {
            foreach (var now in target.Cases)
            {
                var key = target.Name + "/" + now.CaseId;
                seen.Add(key);
                if (!before.TryGetValue(key, out var then))
                {
                    added.Add(key);
                }
                else if (then.Passed && !now.Passed)
                {
                    regressions.Add(new EvalCaseChange(target.Name, now.CaseId, Describe(then), Describe(now), Why(now)));
                }
                else if (!then.Passed && now.Passed)
                {
                    fixes.Add(new EvalCaseChange(target.Name, now.CaseId, Describe(then), Describe(now), null));
                }
            }
        }

        return new EvalBaselineComparison
        {
            Regressions = regressions,
            Fixes = fixes,
            NewCases = added,
            MissingCases = [.. before.Keys.Where(k => !seen.Contains(k))],
        };
    }

    private static string Describe(EvalCaseResult result) =>
        result.Runs.Count == 1 ? result.Runs[0].Outcome.ToString().ToLowerInvariant() : $"{result.PassedRuns}/{result.Runs.Count} passed";

    private static string? Why(EvalCaseResult result)
    {
        var run = result.Runs.FirstOrDefault(r => r.Outcome != EvalOutcome.Passed);
        return run?.FailureReason;
    }
}

/// <summary>A case whose result changed between a baseline and this run.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="CaseId">The case id.</param>
/// <param name="Before">Its result in the baseline (passed, failed, errored, or k/n passed).</param>
/// <param name="After">Its result now.</param>
/// <param name="Reason">For a regression, what failed now.</param>
public sealed record EvalCaseChange(string Target, string CaseId, string Before, string After, string? Reason);
