namespace PromptOps;

/// <summary>Calendar periods of spend budgets in a time zone, daylight-saving changes included.</summary>
internal static class SpendPeriods
{
    /// <summary>Gets the period that contains <paramref name="now"/>: its start and its end, both in UTC.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Get(SpendBudgetPeriod period, DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var start = period switch
        {
            SpendBudgetPeriod.Week => local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7)),
            SpendBudgetPeriod.Month => new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified),
            _ => local.Date,
        };
        var end = period switch
        {
            SpendBudgetPeriod.Week => start.AddDays(7),
            SpendBudgetPeriod.Month => start.AddMonths(1),
            _ => start.AddDays(1),
        };
        return (ToInstant(start, zone), ToInstant(end, zone));
    }

    /// <summary>Resolves a configured time zone id; <see langword="null"/> or empty means UTC.</summary>
    public static bool TryFindZone(string? id, out TimeZoneInfo zone)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out zone!);
    }

    /// <summary>The first instant at or after a local wall-clock time: a midnight skipped by a clock change starts when the clock resumes.</summary>
    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
