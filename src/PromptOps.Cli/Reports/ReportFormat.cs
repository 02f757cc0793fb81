using System.Globalization;

namespace PromptOps.Cli.Reports;

/// <summary>How reports spell money, tokens, shares and durations, the same in every output.</summary>
internal static class ReportFormat
{
    public static string Usd(decimal value) => value switch
    {
        0 => "$0",
        < 0.01m => "$" + value.ToString("0.######", CultureInfo.InvariantCulture),
        < 1m => "$" + value.ToString("0.00##", CultureInfo.InvariantCulture),
        _ => "$" + value.ToString("#,0.00", CultureInfo.InvariantCulture),
    };

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
