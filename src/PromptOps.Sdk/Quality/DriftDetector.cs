using System.Globalization;

namespace PromptOps;

/// <summary>
/// Compares a prompt version's recent calls with a reference window of its own calls, on what the records hold: error rate,
/// the share of answers cut off (<c>length</c>) or filtered (<c>content_filter</c>), output tokens, output length in
/// characters (when content is captured) and every feedback signal's mean.
/// </summary>
/// <remarks>
/// <para>A change is drift only when it is both <b>significant</b> and <b>large</b>: both windows hold at least
/// <see cref="DriftRule.MinimumCalls"/> calls (and <see cref="DriftRule.MinimumFeedback"/> scores for a feedback signal); the
/// two-sided z statistic (two-proportion for rates, Welch for means) is at least <see cref="DriftRule.Z"/> (4 by default:
/// p &lt; 0.0001, so that checking many versions and metrics every hour does not fire on noise); and the change is at least
/// <see cref="DriftRule.RateChange"/> (5 points) for a rate or <see cref="DriftRule.RelativeChange"/> (25%) for a mean.</para>
/// </remarks>
internal static class DriftDetector
{
    public static List<DriftFinding> Compare(
        string version,
        IReadOnlyList<PromptCallRecord> reference,
        IReadOnlyList<PromptCallRecord> recent,
        IReadOnlyList<FeedbackSummary> referenceFeedback,
        IReadOnlyList<FeedbackSummary> recentFeedback,
        DriftRule rule)
    {
        var findings = new List<DriftFinding>
        {
            Rate(version, "error_rate", reference, recent, c => !c.Success, rule),
            Rate(version, "finish_length", Succeeded(reference), Succeeded(recent), c => c.FinishReason == "length", rule),
            Rate(version, "finish_content_filter", Succeeded(reference), Succeeded(recent), c => c.FinishReason == "content_filter", rule),
            Mean(version, "output_tokens", Values(reference, c => c.Success ? c.OutputTokens : null), Values(recent, c => c.Success ? c.OutputTokens : null), rule.MinimumCalls, rule),
            Mean(version, "output_chars", Values(reference, c => c.Success ? c.OutputContent?.Length : null), Values(recent, c => c.Success ? c.OutputContent?.Length : null), rule.MinimumCalls, rule),
        };
        foreach (var name in recentFeedback.Select(f => f.Name).Intersect(referenceFeedback.Select(f => f.Name)).Order(StringComparer.Ordinal))
        {
            var before = Pool(referenceFeedback.Where(f => f.Name == name));
            var after = Pool(recentFeedback.Where(f => f.Name == name));
            findings.Add(MeanFromMoments(version, "feedback " + name, before, after, rule));
        }

        return findings;
    }

    private static List<PromptCallRecord> Succeeded(IReadOnlyList<PromptCallRecord> calls) => [.. calls.Where(c => c.Success)];

    private static List<double> Values(IReadOnlyList<PromptCallRecord> calls, Func<PromptCallRecord, long?> value) =>
        [.. calls.Select(value).Where(v => v is not null).Select(v => (double)v!.Value)];

    private static DriftFinding Rate(string version, string metric, IReadOnlyList<PromptCallRecord> reference, IReadOnlyList<PromptCallRecord> recent, Func<PromptCallRecord, bool> counts, DriftRule rule)
    {
        double n1 = reference.Count, n2 = recent.Count;
        if (n1 < rule.MinimumCalls || n2 < rule.MinimumCalls)
        {
            return TooFew(version, metric, (long)n1, (long)n2, rule.MinimumCalls);
        }

        double p1 = reference.Count(counts) / n1, p2 = recent.Count(counts) / n2;
        var pooled = ((p1 * n1) + (p2 * n2)) / (n1 + n2);
        var standardError = Math.Sqrt(pooled * (1 - pooled) * ((1 / n1) + (1 / n2)));
        var z = standardError == 0 ? 0 : (p2 - p1) / standardError;
        var drifted = Math.Abs(z) >= rule.Z && Math.Abs(p2 - p1) >= rule.RateChange;
        return new DriftFinding(version, metric, p1, p2, (long)n1, (long)n2, z, drifted ? DriftVerdict.Drift : DriftVerdict.Stable, string.Create(
            CultureInfo.InvariantCulture,
            $"{metric} {p2:0.0%} vs {p1:0.0%} ({(p2 - p1) * 100:+0.0;-0.0}pp, z = {z:0.0}; n = {n2:N0} vs {n1:N0})"));
    }

    private static DriftFinding Mean(string version, string metric, List<double> reference, List<double> recent, int minimum, DriftRule rule)
    {
        if (reference.Count < minimum || recent.Count < minimum)
        {
            return TooFew(version, metric, reference.Count, recent.Count, minimum);
        }

        return MeanFromMoments(version, metric, Moments(reference), Moments(recent), rule);
    }

    private static DriftFinding MeanFromMoments(string version, string metric, (long Count, double Mean, double Variance) before, (long Count, double Mean, double Variance) after, DriftRule rule)
    {
        var minimum = metric.StartsWith("feedback", StringComparison.Ordinal) ? rule.MinimumFeedback : rule.MinimumCalls;
        if (before.Count < minimum || after.Count < minimum)
        {
            return TooFew(version, metric, before.Count, after.Count, minimum);
        }

        var standardError = Math.Sqrt((before.Variance / before.Count) + (after.Variance / after.Count));
        var difference = after.Mean - before.Mean;
        var z = standardError == 0 ? (difference == 0 ? 0 : double.PositiveInfinity * Math.Sign(difference)) : difference / standardError;
        var relative = before.Mean == 0 ? (difference == 0 ? 0 : double.PositiveInfinity) : Math.Abs(difference / before.Mean);
        var drifted = Math.Abs(z) >= rule.Z && relative >= rule.RelativeChange;
        return new DriftFinding(version, metric, before.Mean, after.Mean, before.Count, after.Count, z, drifted ? DriftVerdict.Drift : DriftVerdict.Stable, string.Create(
            CultureInfo.InvariantCulture,
            $"{metric} mean {after.Mean:0.###} vs {before.Mean:0.###} ({(double.IsInfinity(relative) ? "new" : (difference / Math.Abs(before.Mean)).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture))}, z = {z:0.0}; n = {after.Count:N0} vs {before.Count:N0})"));
    }

    private static (long Count, double Mean, double Variance) Moments(List<double> values)
    {
        var mean = values.Average();
        return (values.Count, mean, values.Count < 2 ? 0 : values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>Pools a signal's summaries (one per variant) into one count, mean and variance.</summary>
    private static (long Count, double Mean, double Variance) Pool(IEnumerable<FeedbackSummary> summaries)
    {
        var scored = summaries.Where(s => s.Mean is not null).ToList();
        var count = scored.Sum(s => s.Scored);
        if (count == 0)
        {
            return (0, 0, 0);
        }

        var mean = scored.Sum(s => s.Mean!.Value * s.Scored) / count;
        var squares = scored.Sum(s => s.SumOfSquares);
        return (count, mean, count < 2 ? 0 : Math.Max(0, (squares - (count * mean * mean)) / (count - 1)));
    }

    private static DriftFinding TooFew(string version, string metric, long reference, long recent, int minimum) =>
        new(version, metric, double.NaN, double.NaN, reference, recent, 0, DriftVerdict.TooFewCalls, string.Create(
            CultureInfo.InvariantCulture, $"{metric}: too few to compare ({recent:N0} recent, {reference:N0} reference; {minimum:N0} each needed)"));
}

/// <summary>When a change counts as drift. Defaults: at least 200 calls (50 feedback scores) per window, |z| ≥ 4, and a change of 5 points for a rate or 25% for a mean.</summary>
internal sealed record DriftRule
{
    public int MinimumCalls { get; init; } = 200;

    public int MinimumFeedback { get; init; } = 50;

    public double Z { get; init; } = 4;

    public double RateChange { get; init; } = 0.05;

    public double RelativeChange { get; init; } = 0.25;
}

/// <summary>What one metric of one version did between the windows.</summary>
internal sealed record DriftFinding(string Version, string Metric, double Reference, double Recent, long ReferenceCount, long RecentCount, double Z, DriftVerdict Verdict, string Text);

/// <summary>The verdict on one metric.</summary>
internal enum DriftVerdict
{
    Stable,
    Drift,
    TooFewCalls,
}
