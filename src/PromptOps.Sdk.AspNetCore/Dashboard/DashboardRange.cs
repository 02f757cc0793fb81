using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace PromptOps.Dashboard;

/// <summary>
/// The period a page shows: the last <c>days</c> days (1, 7, 30 or 90; 7 when not given), or the whole UTC days from
/// <c>from</c> to <c>to</c> (yyyy-MM-dd, both included).
/// </summary>
internal sealed record DashboardRange(DateTimeOffset From, DateTimeOffset To, int? Days)
{
    public static readonly int[] Choices = [1, 7, 30, 90];

    public string Description => Days is { } days
        ? days == 1 ? "the last 24 hours" : string.Create(CultureInfo.InvariantCulture, $"the last {days} days")
        : $"{DashboardFormat.Day(From)} to {DashboardFormat.Day(To.AddTicks(-1))} (UTC)";

    /// <summary>Reads the period from the query string, or says which parameter is wrong and what it accepts.</summary>
    public static DashboardRange Parse(IQueryCollection query, DateTimeOffset now, out string? error)
    {
        error = null;
        string? from = query["from"], to = query["to"], days = query["days"];
        if (!string.IsNullOrEmpty(from) || !string.IsNullOrEmpty(to))
        {
            if (!TryDay(from, out var start) || !TryDay(to, out var end))
            {
                error = "The query parameters 'from' and 'to' must both be dates written yyyy-MM-dd (UTC), for example from=2026-11-01&to=2026-11-30.";
            }
            else if (end < start)
            {
                error = $"The query parameter 'to' ({to}) is before 'from' ({from}).";
            }
            else
            {
                return new DashboardRange(start, end.AddDays(1), null);
            }
        }
        else if (!string.IsNullOrEmpty(days))
        {
            if (int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && Choices.Contains(n))
            {
                return new DashboardRange(now.AddDays(-n), now, n);
            }

            error = $"The query parameter 'days' must be one of {string.Join(", ", Choices)}; it was '{days}'.";
        }

        return new DashboardRange(now.AddDays(-7), now, 7);
    }

    /// <summary>The query string that selects this period, for links.</summary>
    public string Query => Days is { } days
        ? string.Create(CultureInfo.InvariantCulture, $"days={days}")
        : $"from={DashboardFormat.Day(From)}&to={DashboardFormat.Day(To.AddTicks(-1))}";

    private static bool TryDay(string? text, out DateTimeOffset day)
    {
        var ok = DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed);
        day = ok ? new DateTimeOffset(parsed, TimeSpan.Zero) : default;
        return ok;
    }
}
