using System.Globalization;

namespace PromptOps.Testing;

/// <summary>
/// An A/B comparison of two targets on the same cases: wins, losses and ties per case, and how likely the difference in
/// pass rate is to be chance.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="PValue"/> comes from a two-sided two-proportion z-test on the pass counts (pooled standard error), the usual
/// test for "is B's pass rate different from A's" with the sample sizes shown. It treats runs as independent; with few runs
/// (fewer than about 5 passes or 5 failures on either side) it is only a rough guide.
/// </para>
/// <para>
/// Because both targets run the same cases, <see cref="SignTestPValue"/> adds the exact two-sided sign test (McNemar's
/// exact test) on the cases where they differ, which uses that pairing and is exact for small samples.
/// </para>
/// </remarks>
public sealed class EvalComparison
{
    /// <summary>Gets the first target's name (A, the reference).</summary>
    public required string A { get; init; }

    /// <summary>Gets the second target's name (B, the candidate).</summary>
    public required string B { get; init; }

    /// <summary>Gets A's passed runs.</summary>
    public required int APassed { get; init; }

    /// <summary>Gets A's runs (the sample size).</summary>
    public required int ARuns { get; init; }

    /// <summary>Gets B's passed runs.</summary>
    public required int BPassed { get; init; }

    /// <summary>Gets B's runs (the sample size).</summary>
    public required int BRuns { get; init; }

    /// <summary>Gets the cases on which B passed more often than A.</summary>
    public required int Wins { get; init; }

    /// <summary>Gets the cases on which B passed less often than A.</summary>
    public required int Losses { get; init; }

    /// <summary>Gets the cases on which both passed equally often.</summary>
    public required int Ties { get; init; }

    /// <summary>Gets B's pass rate minus A's (-1..1).</summary>
    public double Difference => Proportion(BPassed, BRuns) - Proportion(APassed, ARuns);

    /// <summary>Gets the two-proportion z statistic (0 when both rates are 0 or both 1).</summary>
    public double ZScore => EvalStatistics.TwoProportionZTest(APassed, ARuns, BPassed, BRuns).Z;

    /// <summary>Gets the two-sided p-value of the two-proportion z-test.</summary>
    public double PValue => EvalStatistics.TwoProportionZTest(APassed, ARuns, BPassed, BRuns).PValue;

    /// <summary>Gets the two-sided p-value of the exact sign test on wins against losses.</summary>
    public double SignTestPValue => EvalStatistics.SignTest(Wins, Losses);

    /// <summary>Gets a value indicating whether <see cref="PValue"/> is below 0.05.</summary>
    public bool Significant => PValue < 0.05;

    /// <summary>Gets a one-line reading of the comparison, for consoles and reports.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"{B} vs {A}: pass rate {Rate(BPassed, BRuns)} vs {Rate(APassed, ARuns)} ({(Difference >= 0 ? "+" : string.Empty)}{Difference * 100:0.0} points; n = {BRuns} and {ARuns}); {Wins} win(s), {Losses} loss(es), {Ties} tie(s); two-proportion z = {ZScore:0.00}, p = {PValue:0.0000}; sign test p = {SignTestPValue:0.0000}; {(Significant ? "significant at 5%" : "not significant at 5%")}.");

    /// <summary>Compares two targets' results case by case.</summary>
    /// <param name="a">The reference target.</param>
    /// <param name="b">The candidate target.</param>
    /// <returns>The comparison.</returns>
    public static EvalComparison Create(EvalTargetReport a, EvalTargetReport b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var aCases = a.Cases.ToDictionary(c => c.CaseId, StringComparer.Ordinal);
        int wins = 0, losses = 0, ties = 0;
        foreach (var bCase in b.Cases)
        {
            if (!aCases.TryGetValue(bCase.CaseId, out var aCase))
            {
                continue;
            }

            var difference = bCase.Stability - aCase.Stability;
            if (difference > 1e-12)
            {
                wins++;
            }
            else if (difference < -1e-12)
            {
                losses++;
            }
            else
            {
                ties++;
            }
        }

        return new EvalComparison
        {
            A = a.Name,
            B = b.Name,
            APassed = a.PassedRuns,
            ARuns = a.Runs,
            BPassed = b.PassedRuns,
            BRuns = b.Runs,
            Wins = wins,
            Losses = losses,
            Ties = ties,
        };
    }

    private static double Proportion(int passed, int runs) => runs == 0 ? 0 : (double)passed / runs;

    private static string Rate(int passed, int runs) => string.Create(CultureInfo.InvariantCulture, $"{Proportion(passed, runs) * 100:0.0}% ({passed}/{runs})");
}

/// <summary>The statistics behind <see cref="EvalComparison"/>.</summary>
public static class EvalStatistics
{
    /// <summary>
    /// The two-sided two-proportion z-test with pooled standard error:
    /// z = (p2 − p1) / √(p(1 − p)(1/n1 + 1/n2)), p = (x1 + x2) / (n1 + n2).
    /// </summary>
    /// <param name="passed1">Successes of the first sample.</param>
    /// <param name="runs1">Size of the first sample.</param>
    /// <param name="passed2">Successes of the second sample.</param>
    /// <param name="runs2">Size of the second sample.</param>
    /// <returns>The z statistic and the two-sided p-value; (0, 1) when either sample is empty or the pooled rate is 0 or 1.</returns>
    public static (double Z, double PValue) TwoProportionZTest(int passed1, int runs1, int passed2, int runs2)
    =>
        NormalTests.TwoProportionZTest(passed1, runs1, passed2, runs2);

    /// <summary>The exact two-sided sign test: the chance of a split at least this uneven between wins and losses if each were equally likely.</summary>
    /// <param name="wins">Cases the candidate won.</param>
    /// <param name="losses">Cases the candidate lost.</param>
    /// <returns>The p-value (1 when there are no wins and no losses).</returns>
    public static double SignTest(int wins, int losses)
    {
        var n = wins + losses;
        if (n == 0)
        {
            return 1;
        }

        var k = Math.Min(wins, losses);
        double tail = 0;
        var logHalfN = n * Math.Log(0.5);
        var logChoose = 0.0;
        for (var i = 0; i <= k; i++)
        {
            if (i > 0)
            {
                logChoose += Math.Log(n - i + 1) - Math.Log(i);
            }

            tail += Math.Exp(logChoose + logHalfN);
        }

        return Math.Min(1, 2 * tail);
    }

}
