namespace PromptOps.Testing.Tests.Evaluation;

public class EvalStatisticsTests
{
    [Theory]
    // p1 = 0.7, p2 = 0.9, pooled 0.8, SE = sqrt(0.8 * 0.2 * (2/50)) = 0.08, z = 0.2 / 0.08 = 2.5, p = 2(1 - Φ(2.5)) = 0.012419.
    [InlineData(35, 50, 45, 50, 2.5, 0.012419)]
    // The repository's classify-intent suite: 12/16 vs 16/16, pooled 0.875, SE = 0.116927, z = 2.13809, p = 0.032509.
    [InlineData(12, 16, 16, 16, 2.13809, 0.032509)]
    // Equal rates: z = 0, p = 1.
    [InlineData(8, 10, 8, 10, 0, 1)]
    // B worse than A: negative z, same two-sided p as the mirror image.
    [InlineData(45, 50, 35, 50, -2.5, 0.012419)]
    // p1 = 0.5 (n=200), p2 = 0.55 (n=200): pooled 0.525, SE = 0.049937, z = 1.001252, p = 0.316705.
    [InlineData(100, 200, 110, 200, 1.001252, 0.316705)]
    public void TwoProportionZTest_HandComputedExamples_Match(int passed1, int runs1, int passed2, int runs2, double z, double p)
    {
        var (actualZ, actualP) = EvalStatistics.TwoProportionZTest(passed1, runs1, passed2, runs2);

        Assert.Equal(z, actualZ, 5);
        Assert.Equal(p, actualP, 5);
    }

    [Theory]
    [InlineData(0, 10, 0, 10)]
    [InlineData(10, 10, 10, 10)]
    [InlineData(0, 0, 3, 5)]
    public void TwoProportionZTest_NoVariationOrNoSample_IsNotSignificant(int passed1, int runs1, int passed2, int runs2) =>
        Assert.Equal((0.0, 1.0), EvalStatistics.TwoProportionZTest(passed1, runs1, passed2, runs2));

    [Theory]
    // 4 wins, 0 losses: 2 * (1/2)^4 = 0.125.
    [InlineData(4, 0, 0.125)]
    // 10 wins, 2 losses: 2 * (C(12,0) + C(12,1) + C(12,2)) / 4096 = 2 * 79 / 4096 = 0.038574.
    [InlineData(10, 2, 0.0385742)]
    // 3 and 3: the whole distribution, capped at 1.
    [InlineData(3, 3, 1)]
    [InlineData(0, 0, 1)]
    public void SignTest_HandComputedExamples_Match(int wins, int losses, double p) =>
        Assert.Equal(p, EvalStatistics.SignTest(wins, losses), 6);

    [Fact]
    public void SignTest_FarTail_IsComputedWithoutUnderflow()
    {
        // 600 wins and 400 losses: 2 * sum(C(1000, i), i <= 400) / 2^1000 = 2.7284641560660e-10 (exact integer arithmetic in Python).
        var p = EvalStatistics.SignTest(600, 400);

        Assert.InRange(p / 2.7284641560660e-10, 1 - 1e-9, 1 + 1e-9);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.3, 0.671373240540873)]
    [InlineData(1.0, 0.157299207050285)]
    [InlineData(2.0, 0.004677734981047)]
    [InlineData(3.5, 7.430983723414e-7)]
    public void Erfc_KnownValues_Match(double x, double expected) =>
        Assert.Equal(expected, NormalTests.Erfc(x), 11);
}
