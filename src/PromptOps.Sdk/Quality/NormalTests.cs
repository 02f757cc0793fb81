namespace PromptOps;

/// <summary>Tests on the normal approximation shared by the evaluation statistics, the per-version quality report and the dashboard.</summary>
internal static class NormalTests
{
    /// <summary>
    /// The two-sided two-proportion z-test with pooled standard error:
    /// z = (p2 − p1) / √(p(1 − p)(1/n1 + 1/n2)), p = (x1 + x2) / (n1 + n2); (0, 1) when either sample is empty or the pooled
    /// rate is 0 or 1.
    /// </summary>
    public static (double Z, double PValue) TwoProportionZTest(int passed1, int runs1, int passed2, int runs2)
{
        if (runs1 <= 0 || runs2 <= 0)
        {
            return (0, 1);
        }

        var pooled = (double)(passed1 + passed2) / (runs1 + runs2);
        var standardError = Math.Sqrt(pooled * (1 - pooled) * ((1.0 / runs1) + (1.0 / runs2)));
        if (standardError == 0)
        {
            return (0, 1);
        }

        var z = (((double)passed2 / runs2) - ((double)passed1 / runs1)) / standardError;
        return (z, Math.Min(1, Erfc(Math.Abs(z) / Math.Sqrt(2))));
    }

    /// <summary>The complementary error function (W. J. Cody's rational Chebyshev approximation via erf series; relative error below 1e-9 for the range used).</summary>
    public static double Erfc(double x)
    {
        if (x < 0)
        {
            return 2 - Erfc(-x);
        }

        if (x < 0.5)
        {
            // Maclaurin series of erf converges fast here.
            double sum = x, term = x, x2 = x * x;
            for (var n = 1; n < 30; n++)
            {
                term *= -x2 / n;
                sum += term / ((2 * n) + 1);
            }

            return 1 - (2 / Math.Sqrt(Math.PI) * sum);
        }

        // Continued fraction (Lentz) for erfc, accurate for x >= 0.5.
        const double tiny = 1e-300;
        var b = (2 * x * x) + 1;
        var c = 1 / tiny;
        var d = 1 / b;
        var h = d;
        for (var i = 1; i < 300; i++)
        {
            var a = -((2 * i) - 1) * (2.0 * i);
            b += 4;
            d = (a * d) + b;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = b + (a / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            var delta = c * d;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15)
            {
                break;
            }
        }

        return 2 * x / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * h;
    }
}
