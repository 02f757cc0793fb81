namespace PromptOps.Tests.Rollouts;

/// <summary>The guard's statistical rule: clear regressions breach it, noise does not.</summary>
public sealed class RolloutGuardTests
{
    [Fact]
    public void Evaluate_SameErrorRateOverManyWindows_NeverBreaches()
    {
        Assert.True(RolloutGuard.TryParse("error_rate<=+2pp, cost_per_call<=+20%, p95_latency<=+30%", out var guard, out _));
        var random = new Random(42);
        var breaches = 0;
        for (var window = 0; window < 1_000; window++)
        {
            var verdict = guard.Evaluate("1.0.0", Calls(random, 1_000, 0.05, 500, 0.002), "2.0.0", Calls(random, 200, 0.05, 500, 0.002), 100);
            breaches += verdict.Outcome == GuardOutcome.Breached ? 1 : 0;
        }

        Assert.Equal(0, breaches);
    }

    [Theory]
    [InlineData(0.12, 500, 0.002, "error_rate")]
    [InlineData(0.01, 500, 0.004, "cost_per_call")]
    [InlineData(0.01, 900, 0.002, "p95_latency")]
    public void Evaluate_ClearRegression_BreachesNamingTheMetricAndItsNumbers(double newErrorRate, int newLatencyMs, double newCost, string metric)
    {
        Assert.True(RolloutGuard.TryParse("error_rate<=+2pp, cost_per_call<=+20%, p95_latency<=+30%", out var guard, out _));
        var random = new Random(1);

        var verdict = guard.Evaluate("1.0.0", Calls(random, 2_000, 0.01, 500, 0.002), "2.0.0", Calls(random, 400, newErrorRate, newLatencyMs, newCost), 100);

        Assert.Equal(GuardOutcome.Breached, verdict.Outcome);
        Assert.StartsWith(metric, verdict.Summary, StringComparison.Ordinal);
        Assert.Contains("400 calls on 2.0.0", verdict.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_BelowTheMinimumSample_Waits()
    {
        Assert.True(RolloutGuard.TryParse("error_rate<=+2pp", out var guard, out _));
        var random = new Random(1);

        var verdict = guard.Evaluate("1.0.0", Calls(random, 2_000, 0.0, 500, 0.002), "2.0.0", Calls(random, 99, 1.0, 500, 0.002), 100);

        Assert.Equal(GuardOutcome.Waiting, verdict.Outcome);
        Assert.Contains("99", verdict.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SmallDifferenceWithinTheMargin_Passes()
    {
        Assert.True(RolloutGuard.TryParse("error_rate<=+2pp", out var guard, out _));
        var random = new Random(9);

        var verdict = guard.Evaluate("1.0.0", Calls(random, 20_000, 0.02, 500, 0.002), "2.0.0", Calls(random, 20_000, 0.03, 500, 0.002), 100);

        Assert.Equal(GuardOutcome.Passed, verdict.Outcome);
    }

    private static List<PromptCallRecord> Calls(Random random, int count, double errorRate, int latencyMs, double cost) =>
        [.. Enumerable.Range(0, count).Select(_ => new PromptCallRecord
        {
            RequestId = "r",
            Timestamp = DateTimeOffset.UnixEpoch,
            Feature = "f",
            Success = random.NextDouble() >= errorRate,
            Latency = TimeSpan.FromMilliseconds(latencyMs * (0.8 + (0.4 * random.NextDouble()))),
            Cost = (decimal)(cost * (0.9 + (0.2 * random.NextDouble()))),
        })];
}
