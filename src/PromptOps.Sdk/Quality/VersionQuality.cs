using System.Globalization;

namespace PromptOps;

/// <summary>
/// Per-version quality: for each prompt version and A/B variant, its calls, errors, latency, time to first token, tokens,
/// cost per call and every feedback signal; and, for prompts served as a split, each variant against the control with the
/// difference and its 95% confidence interval. Read by <c>promptops report --by version</c> and the dashboard.
/// </summary>
internal static class VersionQuality
{
    /// <summary>The normal quantile of a two-sided 95% interval.</summary>
    private const double Z = 1.96;

    /// <summary>Reads the quality rows and the A/B comparisons of the calls a query matches; without a feedback store, rows have no signals.</summary>
    public static async Task<(IReadOnlyList<VersionQualityRow> Rows, IReadOnlyList<VariantComparison> Comparisons)> BuildAsync(
        ICallStore calls, IFeedbackStore? feedback, CallQuery query, CancellationToken cancellationToken)
    {
        var aggregates = await calls.AggregateAsync(query, [CallGrouping.PromptVersion, CallGrouping.Variant], cancellationToken).ConfigureAwait(false);
        var summaries = feedback is null ? [] : await feedback.SummarizeAsync(query.From, query.To, cancellationToken).ConfigureAwait(false);
        var signals = summaries
            .ToLookup(s => (s.PromptId + "@" + s.PromptVersion, s.Variant ?? "(none)"));
        var rows = aggregates
            .Where(a => a.Keys[0] != "(none)")
            .Select(a => new VersionQualityRow(a.Keys[0], a.Keys[1] == "(none)" ? null : a.Keys[1], a, [.. signals[(a.Keys[0], a.Keys[1])].OrderBy(s => s.Name, StringComparer.Ordinal)]))
            .OrderBy(r => r.Version, StringComparer.Ordinal).ThenBy(r => r.Variant, StringComparer.Ordinal)
            .ToList();
        return (rows, Compare(rows));
    }

    /// <summary>Within each prompt, every variant against the control (the variant with the most calls), on error rate and on each feedback signal both have.</summary>
    private static List<VariantComparison> Compare(List<VersionQualityRow> rows)
    {
        var comparisons = new List<VariantComparison>();
        foreach (var prompt in rows.Where(r => r.Variant is not null).GroupBy(r => r.PromptId).Where(g => g.Count() > 1))
        {
            var control = prompt.OrderByDescending(r => r.Totals.Calls).ThenBy(r => r.Variant, StringComparer.Ordinal).First();
            foreach (var candidate in prompt.Where(r => !ReferenceEquals(r, control)).OrderBy(r => r.Variant, StringComparer.Ordinal))
            {
                comparisons.Add(ErrorRate(control, candidate));
                foreach (var signal in candidate.Feedback.Where(s => s.Mean is not null && s.Scored > 1))
                {
                    if (control.Feedback.FirstOrDefault(s => s.Name == signal.Name && s.Mean is not null && s.Scored > 1) is { } reference)
                    {
                        comparisons.Add(Mean(control, reference, candidate, signal));
                    }
                }
            }
        }

        return comparisons;
    }

    private static VariantComparison ErrorRate(VersionQualityRow control, VersionQualityRow candidate)
    {
        double n1 = control.Totals.Calls, n2 = candidate.Totals.Calls;
        double p1 = control.Totals.ErrorRate, p2 = candidate.Totals.ErrorRate;
        var standardError = Math.Sqrt((p1 * (1 - p1) / n1) + (p2 * (1 - p2) / n2));
        var (_, pValue) = NormalTests.TwoProportionZTest((int)control.Totals.Errors, (int)n1, (int)candidate.Totals.Errors, (int)n2);
        return new VariantComparison(control.PromptId, "error_rate", control.Label, candidate.Label, p1, p2, p2 - p1, p2 - p1 - (Z * standardError), p2 - p1 + (Z * standardError), pValue);
    }

    private static VariantComparison Mean(VersionQualityRow control, FeedbackSummary reference, VersionQualityRow candidate, FeedbackSummary signal)
    {
        var (m1, v1) = MeanAndVariance(reference);
        var (m2, v2) = MeanAndVariance(signal);
        var standardError = Math.Sqrt((v1 / reference.Scored) + (v2 / signal.Scored));
        var z = standardError == 0 ? 0 : (m2 - m1) / standardError;
        var pValue = standardError == 0 ? 1 : Math.Min(1, NormalTests.Erfc(Math.Abs(z) / Math.Sqrt(2)));
        return new VariantComparison(control.PromptId, "feedback " + signal.Name, control.Label, candidate.Label, m1, m2, m2 - m1, m2 - m1 - (Z * standardError), m2 - m1 + (Z * standardError), pValue);
    }

    /// <summary>The mean and the sample variance of a signal's scores, from their count, mean and sum of squares.</summary>
    private static (double Mean, double Variance) MeanAndVariance(FeedbackSummary summary)
    {
        var mean = summary.Mean!.Value;
        var variance = summary.Scored < 2 ? 0 : Math.Max(0, (summary.SumOfSquares - (summary.Scored * mean * mean)) / (summary.Scored - 1));
        return (mean, variance);
    }
}

/// <summary>One prompt version (and variant): its call totals and its feedback signals.</summary>
internal sealed record VersionQualityRow(string Version, string? Variant, CallAggregate Totals, IReadOnlyList<FeedbackSummary> Feedback)
{
    public string PromptId => Version[..Version.LastIndexOf('@')];

    public string Label => Variant is null ? Version : $"{Version} ({Variant})";

    /// <summary>Gets the cost per priced call, or <see langword="null"/> when none was priced.</summary>
    public decimal? CostPerCall => Totals.Calls - Totals.UnpricedCalls is > 0 and var priced ? Totals.Cost / priced : null;
}

/// <summary>A candidate variant against the control on one measure: both values, the difference and its 95% confidence interval, and the two-sided p-value.</summary>
internal sealed record VariantComparison(string PromptId, string Measure, string Control, string Candidate, double ControlValue, double CandidateValue, double Difference, double Low, double High, double PValue)
{
    public bool Significant => Low > 0 || High < 0;

    public string Summary => string.Create(
        CultureInfo.InvariantCulture,
        $"{Candidate} vs {Control}: {Measure} {CandidateValue:0.###} vs {ControlValue:0.###}, difference {Difference:+0.###;-0.###} (95% CI {Low:+0.###;-0.###} to {High:+0.###;-0.###}, p = {PValue:0.0000}){(Significant ? ", significant" : string.Empty)}");
}

/// <summary>How a quality row's numbers are written, the same in the CLI's report and in the dashboard.</summary>
internal static class VersionQualityFormat
{
    /// <summary>A feedback signal: its mean and how many scores, or how many categories.</summary>
    public static string Signal(FeedbackSummary signal) => signal.Mean is { } mean
        ? string.Create(CultureInfo.InvariantCulture, $"{signal.Name} {mean:0.###} (n={signal.Scored})")
        : string.Create(CultureInfo.InvariantCulture, $"{signal.Name} (n={signal.Count})");

    /// <summary>A total per call, or "-" without calls.</summary>
    public static string PerCall(long total, long calls) => calls == 0 ? "-" : ((double)total / calls).ToString("#,0.#", CultureInfo.InvariantCulture);

    /// <summary>A value of a measure: error rates in percent (differences in points), other measures as numbers.</summary>
    public static string Number(double value, string measure, bool signed = false) => measure == "error_rate"
        ? (value * 100).ToString(signed ? "+0.0;-0.0" : "0.0", CultureInfo.InvariantCulture) + (signed ? "pp" : "%")
        : value.ToString(signed ? "+0.###;-0.###;0" : "0.###", CultureInfo.InvariantCulture);
}
