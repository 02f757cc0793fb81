using System.Text.Json;

namespace PromptOps.Cli.Tests.Commands;

/// <summary><c>promptops drift</c> over a SQLite store: real changes are named, stationary traffic is not.</summary>
public sealed class DriftCommandTests
{
    private static readonly DateTimeOffset End = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Drift_OneVersionsOutputsGetLonger_NamesExactlyThatAndExitsOne()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        await SeedAsync(store, recentTokensOf210: 320);

        var (exitCode, output, error) = CliRunner.Run("drift", "--store", store, "--at", "2026-11-20T00:00:00Z");
        var json = CliRunner.Run("drift", "--store", store, "--at", "2026-11-20T00:00:00Z", "--format", "json");

        Assert.True(exitCode == 1, error + output);
        Assert.Single(output.Split('\n'), l => l.Contains("DRIFT", StringComparison.Ordinal));
        Assert.Contains("customer-support@2.1.0 output_tokens", output, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Output);
        var drifted = document.RootElement.EnumerateArray().Where(f => f.GetProperty("verdict").GetString() == "drift").ToList();
        Assert.Equal("customer-support@2.1.0", Assert.Single(drifted).GetProperty("version").GetString());
    }

    [Fact]
    public async Task Drift_StationaryTraffic_ReportsNothingAndExitsZero()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        await SeedAsync(store, recentTokensOf210: 150);

        var (exitCode, output, error) = CliRunner.Run("drift", "--store", store, "--at", "2026-11-20T00:00:00Z");

        Assert.True(exitCode == 0, error + output);
        Assert.Contains("Nothing drifted", output, StringComparison.Ordinal);
        Assert.DoesNotContain("DRIFT", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Drift_WindowThatIsNotADuration_IsAUsageError()
    {
        var (exitCode, _, error) = CliRunner.Run("drift", "--store", "x.db", "--recent", "yesterday");

        Assert.Equal(2, exitCode);
        Assert.Contains("--recent 'yesterday' is not a duration", error, StringComparison.Ordinal);
    }

    /// <summary>A week of reference traffic and a recent day for two versions; only 2.1.0's recent output length changes (to <paramref name="recentTokensOf210"/>).</summary>
    private static async Task SeedAsync(string path, int recentTokensOf210)
    {
        var random = new Random(17);
        var records = new List<PromptCallRecord>();
        for (var i = 0; i < 8 * 800; i++)
        {
            var at = End.AddDays(-8).AddMinutes(i * 1.8);
            var version = i % 2 == 0 ? "2.0.0" : "2.1.0";
            var recent = at >= End.AddDays(-1);
            var mean = version == "2.1.0" && recent ? recentTokensOf210 : 150;
            var success = random.Next(40) != 0;
            records.Add(new PromptCallRecord
            {
                RequestId = $"req-{i}",
                Timestamp = at,
                Feature = "support",
                PromptId = "customer-support",
                PromptVersion = version,
                Label = "production",
                Model = "gpt-4o-mini",
                Success = success,
                FinishReason = success ? "stop" : null,
                OutputTokens = success ? mean + random.Next(-40, 41) : null,
                Latency = TimeSpan.FromMilliseconds(random.Next(300, 900)),
                Cost = 0.0002m,
            });
        }

        await new SqliteCallWriter(new SqliteDatabase($"Data Source={path}", TimeSpan.FromSeconds(5))).WriteBatchAsync(records, CancellationToken.None);
    }
}
