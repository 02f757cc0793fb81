namespace PromptOps.Tests.Costs;

public class CostCalculatorTests
{
    private static readonly ModelPrice Price = new()
    {
        InputPerToken = 0.000002m,
        OutputPerToken = 0.000008m,
        CacheReadPerToken = 0.0000005m,
        ReasoningPerToken = 0.00001m,
    };

    [Fact]
    public void Calculate_CachedMoreThanInput_ClampsAndFlags()
    {
        var cost = CostCalculator.Calculate(Price, new TokenUsage(100, 10, CachedInputTokens: 500), out var clamped);

        Assert.True(clamped);
        Assert.Equal(100 * 0.0000005m + 10 * 0.000008m, cost.Total);
        Assert.True(cost.Input >= 0);
    }

    [Fact]
    public void Calculate_ReasoningMoreThanOutput_ClampsAndFlags()
    {
        var cost = CostCalculator.Calculate(Price, new TokenUsage(0, 10, ReasoningTokens: 50), out var clamped);

        Assert.True(clamped);
        Assert.Equal(10 * 0.00001m, cost.Total);
    }

    [Fact]
    public void Calculate_NegativeCounts_NeverPricedNegative()
    {
        var cost = CostCalculator.Calculate(Price, new TokenUsage(-5, -1, -3, -2, -4), out var clamped);

        Assert.True(clamped);
        Assert.Equal(0m, cost.Total);
    }

    [Fact]
    public void Calculate_ConsistentUsage_IsNotFlagged()
    {
        CostCalculator.Calculate(Price, new TokenUsage(100, 50, CachedInputTokens: 20, ReasoningTokens: 10), out var clamped);

        Assert.False(clamped);
    }

    [Fact]
    public void Calculate_HighestExceededTier_Wins()
    {
        var tiered = new ModelPrice
        {
            InputPerToken = 1m,
            OutputPerToken = 1m,
            LongContextTiers =
            [
                new LongContextPrice { ThresholdTokens = 128_000, InputPerToken = 2m, OutputPerToken = 2m },
                new LongContextPrice { ThresholdTokens = 200_000, InputPerToken = 3m, OutputPerToken = 3m },
            ],
        };

        Assert.Equal(128_000m, CostCalculator.Calculate(tiered, new TokenUsage(128_000, 0)).Total);
        Assert.Equal(128_001m * 2, CostCalculator.Calculate(tiered, new TokenUsage(128_001, 0)).Total);
        Assert.Equal(200_001m * 3, CostCalculator.Calculate(tiered, new TokenUsage(200_001, 0)).Total);
        Assert.Equal(200_000, CostCalculator.Calculate(tiered, new TokenUsage(200_001, 0)).LongContextThreshold);
    }
}
