using System.Globalization;
using System.Text.RegularExpressions;

namespace PromptOps;

/// <summary>
/// A rollout's guard: limits on how much worse the new version may be than the old, each checked with a one-sided test at
/// 99% confidence, so that noise does not roll back a good version and a clear regression does.
/// </summary>
/// <remarks>
/// <para>Rules, with <c>z = 2.326</c> (one-sided 99%); each compares the calls of the two versions in the environment since the rollout started:</para>
/// <list type="bullet">
/// <item><c>error_rate&lt;=+Xpp</c>: breached when the lower confidence bound of (new error rate − old error rate) exceeds X
/// percentage points. Rates are Agresti–Caffo adjusted (one error and one success added to each), so zero errors still have a spread.</item>
/// <item><c>cost_per_call&lt;=+X%</c>: over successful calls with a cost, breached when the lower bound of
/// (new mean − (1 + X) × old mean) is above zero (Welch's standard error).</item>
/// <item><c>p95_latency&lt;=+X%</c>: with T = (1 + X) × the old version's 95th percentile, breached when significantly more than
/// 5% of the new version's successful calls are slower than T (one-sided binomial test, normal approximation).</item>
/// </list>
/// <para>Nothing is decided until both versions have at least the plan's minimum number of calls.</para>
/// </remarks>
internal sealed partial class RolloutGuard
{
    private const double Z = 2.326;

    private RolloutGuard(IReadOnlyList<GuardLimit> limits) => Limits = limits;

    public IReadOnlyList<GuardLimit> Limits { get; }

    public static bool TryParse(string? text, out RolloutGuard guard, out string error)
    {
        guard = new RolloutGuard([]);
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var limits = new List<GuardLimit>();
        foreach (var term in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var match = TermPattern().Match(term);
            if (!match.Success)
            {
                error = $"the guard term '{term}' is not understood. Write metric<=+amount, for example error_rate<=+2pp, cost_per_call<=+20%, p95_latency<=+30%; or 'none'.";
                return false;
            }

            var metric = match.Groups["metric"].Value.ToLowerInvariant();
            var unit = match.Groups["unit"].Value.ToLowerInvariant();
            var amount = double.Parse(match.Groups["amount"].Value, CultureInfo.InvariantCulture);
            GuardMetric? parsed = (metric, unit) switch
            {
                ("error_rate", "pp") => GuardMetric.ErrorRate,
                ("cost_per_call", "%") => GuardMetric.CostPerCall,
                ("p95_latency", "%") => GuardMetric.P95Latency,
                _ => null,
            };
            if (parsed is null)
            {
                error = metric switch
                {
                    "error_rate" => $"the guard term '{term}' must give error_rate in percentage points, for example error_rate<=+2pp.",
                    "cost_per_call" or "p95_latency" => $"the guard term '{term}' must give {metric} in percent, for example {metric}<=+20%.",
                    _ => $"the guard term '{term}' names the unknown metric '{metric}'. Use error_rate, cost_per_call or p95_latency.",
                };
                return false;
            }

            if (limits.Any(l => l.Metric == parsed))
            {
                error = $"the guard names {metric} twice ('{text}'); give each metric once.";
                return false;
            }

            limits.Add(new GuardLimit(parsed.Value, amount / 100, term));
        }

        guard = new RolloutGuard(limits);
        return true;
    }

    /// <summary>Decides whether the new version may take the next step, from both versions' calls in the rollout's environment.</summary>
    public GuardVerdict Evaluate(string oldVersion, IReadOnlyList<PromptCallRecord> oldCalls, string newVersion, IReadOnlyList<PromptCallRecord> newCalls, int minimumCalls)
    {
        if (Limits.Count == 0)
        {
            return new GuardVerdict(GuardOutcome.Passed, "no guard", []);
        }

        if (oldCalls.Count < minimumCalls || newCalls.Count < minimumCalls)
        {
            return new GuardVerdict(
                GuardOutcome.Waiting,
                string.Create(CultureInfo.InvariantCulture, $"waiting for calls: {newVersion} has {newCalls.Count} and {oldVersion} has {oldCalls.Count} of the {minimumCalls} each needs"),
                []);
        }

        var findings = Limits.Select(limit => limit.Metric switch
        {
            GuardMetric.ErrorRate => ErrorRate(limit, oldCalls, newCalls),
            GuardMetric.CostPerCall => CostPerCall(limit, oldCalls, newCalls),
            _ => P95Latency(limit, oldCalls, newCalls),
        }).ToList();
        var counts = string.Create(CultureInfo.InvariantCulture, $"{newCalls.Count:N0} calls on {newVersion}, {oldCalls.Count:N0} on {oldVersion}");
        var breached = findings.Where(f => f.Breached).ToList();
        return breached.Count > 0
            ? new GuardVerdict(GuardOutcome.Breached, string.Join("; ", breached.Select(f => f.Text)) + $" ({counts})", findings)
            : new GuardVerdict(GuardOutcome.Passed, string.Join("; ", findings.Select(f => f.Text)) + $" ({counts})", findings);
    }

    private static GuardFinding ErrorRate(GuardLimit limit, IReadOnlyList<PromptCallRecord> oldCalls, IReadOnlyList<PromptCallRecord> newCalls)
    {
        double oldErrors = oldCalls.Count(c => !c.Success), newErrors = newCalls.Count(c => !c.Success);
        double oldAdjusted = (oldErrors + 1) / (oldCalls.Count + 2), newAdjusted = (newErrors + 1) / (newCalls.Count + 2);
        var standardError = Math.Sqrt((oldAdjusted * (1 - oldAdjusted) / (oldCalls.Count + 2)) + (newAdjusted * (1 - newAdjusted) / (newCalls.Count + 2)));
        var lower = newAdjusted - oldAdjusted - (Z * standardError);
        double oldRate = oldErrors / oldCalls.Count, newRate = newErrors / newCalls.Count;
        var breached = lower > limit.Amount;
        return new GuardFinding(limit.Metric, breached, oldRate, newRate, string.Create(
            CultureInfo.InvariantCulture,
            $"error_rate {newRate:0.0%} vs {oldRate:0.0%} ({(newRate - oldRate) * 100:+0.0;-0.0}pp, lower bound {lower * 100:+0.0;-0.0}pp {(breached ? ">" : "<=")} +{limit.Amount * 100:0.##}pp)"));
    }

    private static GuardFinding CostPerCall(GuardLimit limit, IReadOnlyList<PromptCallRecord> oldCalls, IReadOnlyList<PromptCallRecord> newCalls)
    {
        var oldCosts = oldCalls.Where(c => c.Success && c.Cost is not null).Select(c => (double)c.Cost!.Value).ToList();
        var newCosts = newCalls.Where(c => c.Success && c.Cost is not null).Select(c => (double)c.Cost!.Value).ToList();
        if (oldCosts.Count < 2 || newCosts.Count < 2)
        {
            return new GuardFinding(limit.Metric, false, 0, 0, "cost_per_call not checked: too few priced calls");
        }

        var (oldMean, oldVariance) = MeanAndVariance(oldCosts);
        var (newMean, newVariance) = MeanAndVariance(newCosts);
        var factor = 1 + limit.Amount;
        var standardError = Math.Sqrt((newVariance / newCosts.Count) + (factor * factor * oldVariance / oldCosts.Count));
        var lower = newMean - (factor * oldMean) - (Z * standardError);
        var breached = lower > 0;
        var change = oldMean == 0 ? double.PositiveInfinity : (newMean / oldMean) - 1;
        return new GuardFinding(limit.Metric, breached, oldMean, newMean, string.Create(
            CultureInfo.InvariantCulture,
            $"cost_per_call ${newMean:0.######} vs ${oldMean:0.######} ({(double.IsInfinity(change) ? "new cost" : change.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture))}, {(breached ? "significantly above" : "not significantly above")} +{limit.Amount:0.##%})"));
    }

    private static GuardFinding P95Latency(GuardLimit limit, IReadOnlyList<PromptCallRecord> oldCalls, IReadOnlyList<PromptCallRecord> newCalls)
    {
        var oldLatencies = oldCalls.Where(c => c.Success).Select(c => c.Latency.TotalMilliseconds).Order().ToList();
        var newLatencies = newCalls.Where(c => c.Success).Select(c => c.Latency.TotalMilliseconds).Order().ToList();
        if (oldLatencies.Count < 20 || newLatencies.Count < 20)
        {
            return new GuardFinding(limit.Metric, false, 0, 0, "p95_latency not checked: too few successful calls");
        }

        double oldP95 = Percentile(oldLatencies, 0.95), newP95 = Percentile(newLatencies, 0.95);
        var threshold = oldP95 * (1 + limit.Amount);
        var slower = newLatencies.Count(l => l > threshold);
        var expected = 0.05 * newLatencies.Count;
        var z = (slower - expected) / Math.Sqrt(newLatencies.Count * 0.05 * 0.95);
        var breached = z > Z;
        return new GuardFinding(limit.Metric, breached, oldP95, newP95, string.Create(
            CultureInfo.InvariantCulture,
            $"p95_latency {newP95:0} ms vs {oldP95:0} ms ({slower} of {newLatencies.Count} new calls slower than {threshold:0} ms = +{limit.Amount:0.##%}; {(breached ? "significantly" : "not significantly")} more than 5%)"));
    }

    private static (double Mean, double Variance) MeanAndVariance(List<double> values)
    {
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, variance);
    }

    private static double Percentile(List<double> sorted, double share) => sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Count) - 1, 0, sorted.Count - 1)];

    [GeneratedRegex(@"^(?<metric>[a-z0-9_]+)\s*<=\s*\+?(?<amount>\d+(\.\d+)?)\s*(?<unit>pp|%)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TermPattern();
}

/// <summary>A metric a guard limits.</summary>
internal enum GuardMetric
{
    ErrorRate,
    CostPerCall,
    P95Latency,
}

/// <summary>One limit of a guard: the metric and how much worse it may be (a fraction: 0.02 for 2pp or 2%).</summary>
internal sealed record GuardLimit(GuardMetric Metric, double Amount, string Text);

/// <summary>What one limit found: the two versions' values and whether the new one breached the limit.</summary>
internal sealed record GuardFinding(GuardMetric Metric, bool Breached, double Old, double New, string Text);

/// <summary>What the guard decided before a step.</summary>
internal enum GuardOutcome
{
    Passed,
    Breached,
    Waiting,
}

/// <summary>The guard's decision, with the numbers behind it.</summary>
internal sealed record GuardVerdict(GuardOutcome Outcome, string Summary, IReadOnlyList<GuardFinding> Findings);
