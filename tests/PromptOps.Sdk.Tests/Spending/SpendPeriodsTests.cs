namespace PromptOps.Tests.Spending;

public class SpendPeriodsTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Fact]
    public void Get_Day_RunsFromLocalMidnightToLocalMidnight()
    {
        var (start, end) = SpendPeriods.Get(SpendBudgetPeriod.Day, new DateTimeOffset(2026, 11, 23, 22, 30, 0, TimeSpan.Zero), Berlin);

        // 22:30 UTC is 23:30 in Berlin: still 23 November there, which began at 23:00 UTC on the 22nd.
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 23, 0, 0, TimeSpan.Zero), start);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 23, 0, 0, TimeSpan.Zero), end);
    }

    [Fact]
    public void Get_Week_StartsOnMonday()
    {
        // Sunday 29 November 2026, noon UTC.
        var (start, end) = SpendPeriods.Get(SpendBudgetPeriod.Week, new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc);

        Assert.Equal(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), start);
        Assert.Equal(DayOfWeek.Monday, start.DayOfWeek);
        Assert.Equal(start.AddDays(7), end);
    }

    [Fact]
    public void Get_MonthAcrossDaylightSavingChange_IsLongerByTheHourTheClockWentBack()
    {
        var (start, end) = SpendPeriods.Get(SpendBudgetPeriod.Month, new DateTimeOffset(2026, 10, 15, 12, 0, 0, TimeSpan.Zero), Berlin);

        Assert.Equal(new DateTimeOffset(2026, 9, 30, 22, 0, 0, TimeSpan.Zero), start);
        Assert.Equal(new DateTimeOffset(2026, 10, 31, 23, 0, 0, TimeSpan.Zero), end);
        Assert.Equal(TimeSpan.FromHours((31 * 24) + 1), end - start);
    }

    [Fact]
    public void TryFindZone_UnknownId_ReturnsFalse()
    {
        Assert.False(SpendPeriods.TryFindZone("Mars/Olympus_Mons", out _));
        Assert.True(SpendPeriods.TryFindZone(null, out var utc));
        Assert.Equal(TimeZoneInfo.Utc, utc);
    }
}
