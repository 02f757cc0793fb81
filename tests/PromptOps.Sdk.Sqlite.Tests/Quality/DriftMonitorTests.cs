using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Sqlite;

/// <summary>Drift alerts over a SQLite store, checked hourly on a fake clock: one alert for a real change, none for noise.</summary>
public sealed class DriftMonitorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task CheckAsync_HourlyOverTwoDaysOfStationaryTraffic_RaisesNoAlert()
    {
        using var temp = new TempStore();
        await SeedAsync(temp.ConnectionString, changeAt: null);
        var (monitor, alerts, clock, provider) = Monitor(temp.ConnectionString);
        await using (provider)
        {
            var raised = await CheckHourlyAsync(monitor, clock, hours: 48);

            Assert.Empty(raised);
            Assert.Empty(alerts.Drift);
        }
    }

    [Fact]
    public async Task CheckAsync_OutputsReallyChange_RaisesExactlyOneAlertAndKeepsQuietWhileItLasts()
    {
        using var temp = new TempStore();
        await SeedAsync(temp.ConnectionString, changeAt: Start.AddDays(1));
        var (monitor, alerts, clock, provider) = Monitor(temp.ConnectionString);
        await using (provider)
        {
            var raised = await CheckHourlyAsync(monitor, clock, hours: 48);

            var alert = Assert.Single(raised);
            Assert.Equal(("customer-support", "2.1.0", "output_tokens"), (alert.PromptId, alert.PromptVersion, alert.Metric));
            Assert.True(alert.Timestamp > Start.AddDays(1), "no alert before the change");
            Assert.True(alert.RecentValue > alert.ReferenceValue * 1.25);
            Assert.Same(alert, Assert.Single(alerts.Drift));
        }
    }

    private static async Task<List<PromptDriftAlert>> CheckHourlyAsync(DriftMonitor monitor, FakeTimeProvider clock, int hours)
    {
        var raised = new List<PromptDriftAlert>();
        for (var hour = 0; hour < hours; hour++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            raised.AddRange(await monitor.CheckAsync(CancellationToken.None));
        }

        return raised;
    }

    private static (DriftMonitor Monitor, RecordingRolloutAlerts Alerts, FakeTimeProvider Clock, ServiceProvider Provider) Monitor(string store)
    {
        var clock = new FakeTimeProvider(Start);
        var alerts = new RecordingRolloutAlerts();
        var services = new ServiceCollection();
        services.AddLogging(b => b.ClearProviders()).AddSingleton<TimeProvider>(clock).AddSingleton<IQualityAlertHandler>(alerts);
        services.AddPromptOps(o => o.Drift.Enabled = true).AddSqliteStore(store);
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<DriftMonitor>(), alerts, clock, provider);
    }

    /// <summary>Ten days before <see cref="Start"/> and two after, a call every 3 minutes; from <paramref name="changeAt"/> answers are about twice as long.</summary>
    private static async Task SeedAsync(string store, DateTimeOffset? changeAt)
    {
        var random = new Random(99);
        var records = new List<PromptCallRecord>();
        for (var at = Start.AddDays(-10); at < Start.AddDays(2); at = at.AddMinutes(3))
        {
            var success = random.Next(40) != 0;
            var mean = changeAt is { } change && at >= change ? 320 : 150;
            records.Add(new PromptCallRecord
            {
                RequestId = Guid.NewGuid().ToString("n"),
                Timestamp = at,
                Feature = "support",
                PromptId = "customer-support",
                PromptVersion = "2.1.0",
                Model = "gpt-4o-mini",
                Success = success,
                FinishReason = success ? (random.Next(50) == 0 ? "length" : "stop") : null,
                OutputTokens = success ? mean + random.Next(-40, 41) : null,
                Latency = TimeSpan.FromMilliseconds(random.Next(300, 900)),
            });
        }

        await using var recording = new RecordingStore(store);
        records.ForEach(recording.Write);
        await recording.FlushAsync();
    }
}
