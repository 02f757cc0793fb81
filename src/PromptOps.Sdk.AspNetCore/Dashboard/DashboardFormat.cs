using System.Globalization;

namespace PromptOps.Dashboard;

/// <summary>How the dashboard writes numbers: invariant culture, the same units as <c>promptops report</c>.</summary>
internal static class DashboardFormat
{
    public static string Usd(decimal value) => value switch
    {
        0 => "$0.00",
        < 0.01m and > -0.01m => "$" + value.ToString("0.0000##", CultureInfo.InvariantCulture),
        _ => "$" + value.ToString("#,0.00", CultureInfo.InvariantCulture),
    };

    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Share(double value) => (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    public static string Duration(TimeSpan value) => value.TotalMilliseconds < 1000
        ? value.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms"
        : value.TotalSeconds.ToString("0.0#", CultureInfo.InvariantCulture) + " s";

    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    public static string Day(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
