using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptOps.Testing;

/// <summary>How one run of a case ended.</summary>
public enum EvalOutcome
{
    /// <summary>The reply reached the suite's threshold.</summary>
    Passed,

    /// <summary>The reply was scored below the threshold.</summary>
    Failed,

    /// <summary>The run could not be scored: the render or the call failed, the cassette had no recording, or the judge's reply was unreadable. Never counted as passed.</summary>
    Errored,
}

/// <summary>The result of an eval run: per target, per assertion and per case, with an A/B comparison when two targets ran.</summary>
/// <remarks>Save it with <see cref="Save"/> to use it later as a baseline (<see cref="CompareTo"/>).</remarks>
public sealed class EvalReport
{
    /// <summary>Gets the suite's name.</summary>
    public required string Suite { get; init; }

    /// <summary>Gets when the run started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets how long the run took, in milliseconds.</summary>
    public required double DurationMs { get; init; }

    /// <summary>Gets the weighted score a run needed to pass.</summary>
    public required double Threshold { get; init; }

    /// <summary>Gets the pass rate a target needed to pass.</summary>
    public required double MinPassRate { get; init; }

    /// <summary>Gets how many times each case ran per target.</summary>
    public required int Repeats { get; init; }

    /// <summary>Gets the results per target, in the order the targets were given.</summary>
    public required IReadOnlyList<EvalTargetReport> Targets { get; init; }

    /// <summary>Gets the comparison of the second target against the first when exactly two ran, else <see langword="null"/>.</summary>
    public EvalComparison? Comparison { get; init; }

    /// <summary>Gets a value indicating whether every target reached the suite's minimum pass rate.</summary>
    public bool Passed => Targets.All(t => t.MeetsPassRate);

    /// <summary>Writes the report as indented JSON (the baseline format).</summary>
    /// <param name="path">The file to write; its folder is created when missing.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, ToJson());
    }

    /// <summary>Returns the report as indented JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, EvalJsonContext.Default.EvalReport).ReplaceLineEndings("\n") + "\n";

    /// <summary>Reads a report saved by <see cref="Save"/>.</summary>
    /// <param name="path">The report file.</param>
    /// <returns>The report.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a saved eval report.</exception>
    public static EvalReport Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The baseline '{full}' does not exist. Save one with 'promptops eval <suite> --save-baseline {path}' (or EvalReport.Save).", full);
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(full), EvalJsonContext.Default.EvalReport)
                ?? throw new InvalidDataException($"{full}: the file holds no eval report.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{full}({(ex.LineNumber ?? 0) + 1},{(ex.BytePositionInLine ?? 0) + 1}): the file is not a saved eval report: {ex.Message} Save a new baseline with --save-baseline.", ex);
        }
    }

    /// <summary>Every run that did not pass, with its target and case, in report order.</summary>
    internal IEnumerable<(EvalTargetReport Target, EvalCaseResult Case, EvalRunResult Run)> RunsNotPassed() =>
        Targets.SelectMany(t => t.Cases.SelectMany(c => c.Runs.Where(r => r.Outcome != EvalOutcome.Passed).Select(r => (t, c, r))));

    /// <summary>Compares this run with a baseline: cases that passed there and fail now are regressions.</summary>
    /// <param name="baseline">The earlier report.</param>
    /// <returns>The regressions, the fixes, and the cases only one of the reports has.</returns>
    public EvalBaselineComparison CompareTo(EvalReport baseline) => EvalBaselineComparison.Create(this, baseline);
}

/// <summary>The results of one target.</summary>
public sealed class EvalTargetReport
{
    /// <summary>Gets the target's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the prompt version that ran, as <c>id@version</c>.</summary>
    public required string Prompt { get; init; }

    /// <summary>Gets the model that was asked for, if known.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the number of runs (cases × repeats).</summary>
    public int Runs => AllRuns.Count();

    /// <summary>Gets the number of runs that passed.</summary>
    public int PassedRuns => Count(EvalOutcome.Passed);

    /// <summary>Gets the number of runs scored below the threshold.</summary>
    public int FailedRuns => Count(EvalOutcome.Failed);

    /// <summary>Gets the number of runs that could not be scored.</summary>
    public int ErroredRuns => Count(EvalOutcome.Errored);

    /// <summary>Gets the share of runs that passed (0..1, rounded to 4 decimals).</summary>
    public double PassRate => Runs == 0 ? 0 : Math.Round((double)PassedRuns / Runs, 4);

    /// <summary>Gets the mean weighted score of the runs (0..1, rounded to 4 decimals; errored runs count 0).</summary>
    public double MeanScore => Runs == 0 ? 0 : Math.Round(AllRuns.Average(r => r.Score), 4);

    /// <summary>Gets a value indicating whether the pass rate reached the suite's minimum.</summary>
    public required bool MeetsPassRate { get; init; }

    /// <summary>Gets the total cost in US dollars of the priced runs.</summary>
    public decimal CostUsd => AllRuns.Sum(r => r.CostUsd ?? 0);

    /// <summary>Gets the number of runs with a reply whose model has no price (not included in <see cref="CostUsd"/>).</summary>
    public int UnpricedRuns => AllRuns.Count(r => r.CostUsd is null && r.Output is not null);

    /// <summary>Gets the input tokens of all runs.</summary>
    public long InputTokens => AllRuns.Sum(r => r.InputTokens);

    /// <summary>Gets the output tokens of all runs.</summary>
    public long OutputTokens => AllRuns.Sum(r => r.OutputTokens);

    /// <summary>Gets the total latency of all runs, in milliseconds.</summary>
    public double TotalLatencyMs => Math.Round(AllRuns.Sum(r => r.LatencyMs), 1);

    /// <summary>Gets the nearest-rank 95th percentile latency of the runs that got a reply, in milliseconds.</summary>
    public double P95LatencyMs
    {
        get
        {
            var latencies = AllRuns.Where(r => r.Outcome != EvalOutcome.Errored || r.Output is not null).Select(r => r.LatencyMs).Order().ToList();
            return latencies.Count == 0 ? 0 : latencies[Math.Max(0, (int)Math.Ceiling(0.95 * latencies.Count) - 1)];
        }
    }

    /// <summary>Gets the pass rate of each assertion over the runs it was applied to, in the order the assertions first appear.</summary>
    public IReadOnlyList<EvalAssertionSummary> Assertions =>
    [
        .. AllRuns.SelectMany(r => r.Assertions)
            .GroupBy(a => (a.Label, a.Kind))
            .Select(g => new EvalAssertionSummary { Label = g.Key.Label, Kind = g.Key.Kind, Evaluated = g.Count(), Passed = g.Count(a => a.Passed), Errored = g.Count(a => a.Errored) }),
    ];

    /// <summary>Gets the results per case, in suite order.</summary>
    public required IReadOnlyList<EvalCaseResult> Cases { get; init; }

    private IEnumerable<EvalRunResult> AllRuns => Cases.SelectMany(c => c.Runs);

    private int Count(EvalOutcome outcome) => AllRuns.Count(r => r.Outcome == outcome);
}

/// <summary>How often one assertion passed for a target.</summary>
public sealed class EvalAssertionSummary
{
    /// <summary>Gets the assertion's label.</summary>
    public required string Label { get; init; }

    /// <summary>Gets the assertion's kind.</summary>
    public required EvalAssertionKind Kind { get; init; }

    /// <summary>Gets the number of runs it was evaluated on.</summary>
    public required int Evaluated { get; init; }

    /// <summary>Gets the number of those runs on which it passed.</summary>
    public required int Passed { get; init; }

    /// <summary>Gets the number of runs on which it could not be evaluated (for example an unreadable judge reply).</summary>
    public required int Errored { get; init; }

    /// <summary>Gets <see cref="Passed"/> / <see cref="Evaluated"/>, or 0 when never evaluated.</summary>
    public double PassRate => Evaluated == 0 ? 0 : (double)Passed / Evaluated;
}

/// <summary>The runs of one case on one target.</summary>
public sealed class EvalCaseResult
{
    /// <summary>Gets the case id.</summary>
    public required string CaseId { get; init; }

    /// <summary>Gets the runs, one per repeat.</summary>
    public required IReadOnlyList<EvalRunResult> Runs { get; init; }

    /// <summary>Gets the number of runs that passed.</summary>
    public int PassedRuns => Runs.Count(r => r.Outcome == EvalOutcome.Passed);

    /// <summary>Gets a value indicating whether every run passed.</summary>
    public bool Passed => Runs.Count > 0 && PassedRuns == Runs.Count;

    /// <summary>Gets the share of runs that passed (0..1): 1 or 0 for a stable case, in between for a flaky one.</summary>
    public double Stability => Runs.Count == 0 ? 0 : (double)PassedRuns / Runs.Count;
}

/// <summary>One run of a case on a target: the reply, its usage and cost, and each assertion's verdict.</summary>
public sealed class EvalRunResult
{
    /// <summary>Gets the 1-based repeat number.</summary>
    public required int Repeat { get; init; }

    /// <summary>Gets how the run ended.</summary>
    public required EvalOutcome Outcome { get; init; }

    /// <summary>Gets the weighted score (0..1) of the assertions; 0 when errored.</summary>
    public required double Score { get; init; }

    /// <summary>Gets the reply's text, or <see langword="null"/> when there was none.</summary>
    public string? Output { get; init; }

    /// <summary>Gets the tools the reply called, as <c>name(arguments)</c>.</summary>
    public IReadOnlyList<string> ToolCalls { get; init; } = [];

    /// <summary>Gets why the run errored, or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the input tokens (reported by the provider, or counted when it reported none).</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets the output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets the cost in US dollars, or <see langword="null"/> when the model has no price.</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>Gets the latency in milliseconds (the recorded one when the reply was replayed from a cassette).</summary>
    public double LatencyMs { get; init; }

    /// <summary>Gets each assertion's verdict, suite-wide ones first.</summary>
    public IReadOnlyList<EvalAssertionResult> Assertions { get; init; } = [];

    /// <summary>Why the run did not pass: its error, else the failed assertions with their reasons.</summary>
    internal string FailureReason => Error ?? string.Join("; ", Assertions.Where(a => !a.Passed).Select(a => $"{a.Label}: {a.Reason}"));
}

/// <summary>One assertion's verdict on one run.</summary>
public sealed class EvalAssertionResult
{
    /// <summary>Gets the assertion's label.</summary>
    public required string Label { get; init; }

    /// <summary>Gets the assertion's kind.</summary>
    public required EvalAssertionKind Kind { get; init; }

    /// <summary>Gets the assertion's weight.</summary>
    public required double Weight { get; init; }

    /// <summary>Gets a value indicating whether it passed.</summary>
    public required bool Passed { get; init; }

    /// <summary>Gets a value indicating whether it could not be evaluated.</summary>
    public bool Errored { get; init; }

    /// <summary>Gets the judge's score (0..1) for <c>llm-judge</c>, else <see langword="null"/>.</summary>
    public double? Score { get; init; }

    /// <summary>Gets why it passed or failed, in a sentence.</summary>
    public required string Reason { get; init; }
}

/// <summary>The source-generated JSON of eval reports (works where reflection-based JSON is switched off).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EvalReport))]
internal sealed partial class EvalJsonContext : JsonSerializerContext;
