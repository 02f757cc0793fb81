using System.Globalization;

namespace PromptOps.Cli.Reports;

/// <summary>How reports spell money, tokens, shares and durations, the same in every output.</summary>
internal static class ReportFormat
{
    /// <summary>
    /// Dollars with four decimals everywhere, so amounts line up and compare at a glance ($0.2450 next to $0.2829); an
    /// amount below $0.0001 keeps up to six decimals rather than showing as zero.
    /// </summary>
    public static string Usd(decimal value) => value is > 0m and < 0.0001m
        ? "$" + value.ToString("0.000000", CultureInfo.InvariantCulture)
        : "$" + value.ToString("#,0.0000", CultureInfo.InvariantCulture);

    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Share(double value) => value.ToString("0.0%", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan value) => value.TotalSeconds >= 1
        ? value.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s"
        : value.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    public static string Date(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>How a budget's scope reads: "all calls", or "feature customer_support".</summary>
    public static string Scope(BudgetSpend budget) =>
        budget.Scope == "Global" ? "all calls" : $"{budget.Scope.ToLowerInvariant()} {budget.ScopeValue}";

    public static string Range(CostReport report) =>
        $"{(report.From is { } from ? Date(from) : "the first call")} to {(report.To is { } to ? Date(to) : "now")} (UTC)";
}
