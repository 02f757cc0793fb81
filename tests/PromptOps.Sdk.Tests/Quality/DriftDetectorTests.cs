namespace PromptOps.Tests.Quality;

/// <summary>The drift rule: real changes fire, stationary noise over many windows never does.</summary>
public sealed class DriftDetectorTests
{
    private static readonly DriftRule Rule = new();

    [Fact]
    public void Compare_StationaryNoiseOverManyWindows_FiresNothing()
    {
        var random = new Random(2026);
        var drifts = 0;
        for (var window = 0; window < 300; window++)
        {
            var findings = DriftDetector.Compare(
                "customer-support@2.1.0",
                Calls(random, 1_400, outputTokens: 150),
                Calls(random, 200 + random.Next(400), outputTokens: 150),
                [Thumbs(random, 400, 0.7)],
                [Thumbs(random, 60 + random.Next(100), 0.7)],
                Rule);
            drifts += findings.Count(f => f.Verdict == DriftVerdict.Drift);
        }

        Assert.Equal(0, drifts);
    }

    [Fact]
    public void Compare_OutputsReallyGetLonger_FiresExactlyOnceOnThatMetric()
    {
        var random = new Random(7);

        var findings = DriftDetector.Compare("customer-support@2.1.0", Calls(random, 1_400, outputTokens: 150), Calls(random, 300, outputTokens: 320), [Thumbs(random, 400, 0.7)], [Thumbs(random, 80, 0.7)], Rule);

        var drift = Assert.Single(findings, f => f.Verdict == DriftVerdict.Drift);
        Assert.Equal("output_tokens", drift.Metric);
        Assert.Contains("mean 3", drift.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_FeedbackCollapses_FiresOnTheSignal()
    {
        var random = new Random(11);

        var findings = DriftDetector.Compare("customer-support@2.1.0", Calls(random, 1_400, 150), Calls(random, 300, 150), [Thumbs(random, 400, 0.75)], [Thumbs(random, 120, 0.35)], Rule);

        Assert.Equal("feedback thumbs", Assert.Single(findings, f => f.Verdict == DriftVerdict.Drift).Metric);
    }

    [Fact]
    public void Compare_SignificantButSmallChange_IsNotDrift()
    {
        var random = new Random(5);

        // 150 -> 160 tokens over 20,000 calls each: z is large, the change (7%) is not.
        var findings = DriftDetector.Compare("customer-support@2.1.0", Calls(random, 20_000, 150), Calls(random, 20_000, 160), [], [], Rule);

        var tokens = findings.Single(f => f.Metric == "output_tokens");
        Assert.True(Math.Abs(tokens.Z) >= 4, $"z was {tokens.Z}");
        Assert.Equal(DriftVerdict.Stable, tokens.Verdict);
    }

    [Fact]
    public void Compare_TooFewCalls_SaysSoAndNeverFires()
    {
        var random = new Random(3);

        var findings = DriftDetector.Compare("customer-support@2.1.0", Calls(random, 1_000, 150), Calls(random, 50, 900), [], [], Rule);

        Assert.All(findings, f => Assert.Equal(DriftVerdict.TooFewCalls, f.Verdict));
        Assert.Contains("too few", findings[0].Text, StringComparison.Ordinal);
    }

    internal static List<PromptCallRecord> Calls(Random random, int count, double outputTokens) =>
        [.. Enumerable.Range(0, count).Select(_ =>
        {
            var success = random.NextDouble() >= 0.03;
            var finish = random.NextDouble() < 0.02 ? "length" : "stop";
            return new PromptCallRecord
            {
                RequestId = "r",
                Timestamp = DateTimeOffset.UnixEpoch,
                Feature = "support",
                Success = success,
                FinishReason = success ? finish : null,
                OutputTokens = success ? (long)Math.Max(1, outputTokens + (Gaussian(random) * 40)) : null,
                Latency = TimeSpan.FromMilliseconds(500),
            };
        })];

    private static FeedbackSummary Thumbs(Random random, int count, double upShare)
    {
        var ups = Enumerable.Range(0, count).Count(_ => random.NextDouble() < upShare);
        return new FeedbackSummary { PromptId = "customer-support", PromptVersion = "2.1.0", Name = "thumbs", Count = count, Scored = count, Mean = (double)ups / count, SumOfSquares = ups };
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
