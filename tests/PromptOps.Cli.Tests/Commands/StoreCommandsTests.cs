using System.Globalization;
using System.Text.Json;

namespace PromptOps.Cli.Tests.Commands;

public class StoreCommandsTests
{
    // The CLI's own JSON settings: durations are milliseconds.
    private static readonly JsonSerializerOptions Web = PromptOps.Cli.Commands.StoreSupport.Json;

    [Fact]
    public async Task Report_HtmlForOneDay_DrawsAnOrdinaryBarAndTilesThatDoNotWrap()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        await StoreSeed.CreateAsync(store, days: 1);
        var file = Path.Combine(cli.Root, "report.html");

        var (exitCode, _, error) = CliRunner.Run("report", "--store", store, "--format", "html", "--out", file);

        Assert.True(exitCode == 0, error);
        var html = await File.ReadAllTextAsync(file);
        var bar = System.Text.RegularExpressions.Regex.Match(html, "aria-label=\"Spend per day\".*?<rect x=\"[0-9.]+\" y=\"[0-9.]+\" width=\"(?<w>[0-9.]+)\"", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(bar.Success, "no daily bar");
        Assert.InRange(double.Parse(bar.Groups["w"].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 60); // of a 1000-wide chart
        Assert.Contains("white-space: nowrap", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_ByDayAsJson_ListsDaysInCalendarOrderWithLatenciesInMilliseconds()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        var records = await StoreSeed.CreateAsync(store);

        var (exitCode, output, error) = CliRunner.Run("report", "--store", store, "--by", "day", "--format", "json");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var days = json.RootElement.GetProperty("breakdowns")[0].GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("keys")[0].GetString()!).ToList();
        Assert.Equal(days.Order(StringComparer.Ordinal), days);
        Assert.Equal(records.Select(r => r.Timestamp.UtcDateTime.Date).Distinct().Count(), days.Count);
        var p50 = json.RootElement.GetProperty("totals").GetProperty("p50Latency");
        Assert.Equal(JsonValueKind.Number, p50.ValueKind);
        Assert.InRange(p50.GetDouble(), 200, 6_000); // the seed's latencies, in milliseconds
    }

    [Fact]
    public async Task Report_Json_TotalsAndBreakdownsMatchSumsComputedIndependently()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        var records = await StoreSeed.CreateAsync(store);
        var from = StoreSeed.Start.AddDays(3);
        var to = StoreSeed.Start.AddDays(10);

        var (exitCode, output, error) = CliRunner.Run("report", "--store", store, "--from", "2026-11-04", "--to", "2026-11-11", "--by", "feature,model", "--format", "json");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var inRange = records.Where(r => r.Timestamp >= from && r.Timestamp < to).ToList();
        var totals = json.RootElement.GetProperty("totals");
        Assert.Equal(inRange.Count, totals.GetProperty("calls").GetInt64());
        Assert.Equal(inRange.Sum(r => r.Cost ?? 0), totals.GetProperty("cost").GetDecimal());
        Assert.Equal(inRange.Count(r => r.Success && r.Cost is null), totals.GetProperty("unpricedCalls").GetInt64());
        Assert.Equal(inRange.Count(r => !r.Success), totals.GetProperty("errors").GetInt64());
        var byFeature = json.RootElement.GetProperty("breakdowns")[0];
        Assert.Equal("feature", byFeature.GetProperty("by").GetString());
        foreach (var row in byFeature.GetProperty("rows").EnumerateArray())
        {
            var feature = row.GetProperty("keys")[0].GetString();
            Assert.Equal(inRange.Where(r => r.Feature == feature).Sum(r => r.Cost ?? 0), row.GetProperty("cost").GetDecimal());
            Assert.Equal(inRange.Where(r => r.Feature == feature).Sum(r => r.InputTokens ?? 0), row.GetProperty("inputTokens").GetInt64());
        }

        var budgets = json.RootElement.GetProperty("budgets").EnumerateArray().Where(b => b.GetProperty("periodStart").GetDateTimeOffset() >= from).ToList();
        Assert.Equal(7, budgets.Count);
        foreach (var budget in budgets)
        {
            var day = budget.GetProperty("periodStart").GetDateTimeOffset();
            Assert.Equal(records.Where(r => r.Timestamp >= day && r.Timestamp < day.AddDays(1)).Sum(r => r.Cost ?? 0), budget.GetProperty("spentUsd").GetDecimal());
            Assert.Equal(50m, budget.GetProperty("limitUsd").GetDecimal());
        }

        var dearestUser = inRange.GroupBy(r => r.UserId).OrderByDescending(g => g.Sum(r => r.Cost ?? 0)).First();
        var topUsers = json.RootElement.GetProperty("topDrivers")[0];
        Assert.Equal(dearestUser.Key, topUsers.GetProperty("rows")[0].GetProperty("keys")[0].GetString());
    }

    [Fact]
    public async Task Report_FromDate_LeavesOutBudgetPeriodsThatEndedBeforeIt()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        await StoreSeed.CreateAsync(store);

        var (exitCode, output, error) = CliRunner.Run("report", "--store", store, "--from", "2026-11-04T12:00:00Z", "--to", "2026-11-11", "--format", "json");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var starts = json.RootElement.GetProperty("budgets").EnumerateArray().Select(b => b.GetProperty("periodStart").GetDateTimeOffset()).Order().ToList();
        Assert.Equal(StoreSeed.Start.AddDays(3), starts[0]);
        Assert.Equal(7, starts.Count);
    }

    [Fact]
    public async Task Report_Table_ShowsSpendAgainstBudgetAndTheBreakdowns()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        var records = await StoreSeed.CreateAsync(store);

        var (exitCode, output, error) = CliRunner.Run("report", "--store", store, "--by", "feature", "--by", "day");

        Assert.True(exitCode == 0, error);
        Assert.Contains($"over {records.Count:#,0} call(s)", output, StringComparison.Ordinal);
        Assert.Contains("Spend against budget", output, StringComparison.Ordinal);
        Assert.Contains("day 2026-11-20 00:00", output, StringComparison.Ordinal);
        Assert.Contains("By feature", output, StringComparison.Ordinal);
        Assert.Contains("By day", output, StringComparison.Ordinal);
        Assert.Contains("2026-11-01", output, StringComparison.Ordinal);
        Assert.Contains("Top cost drivers: version", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_BudgetOverItsLimit_ExitsOneAndMarksIt()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        await StoreSeed.CreateAsync(store, dailyLimit: 1m);

        var (exitCode, output, _) = CliRunner.Run("report", "--store", store);

        Assert.Equal(1, exitCode);
        Assert.Contains("OVER", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_Html_IsOneSelfContainedFileWithChartsAndEscapedText()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        await StoreSeed.CreateAsync(store);
        var file = Path.Combine(cli.Root, "out", "report.html");

        var (exitCode, output, error) = CliRunner.Run("report", "--store", store, "--format", "html", "--out", file);

        Assert.True(exitCode == 0, error);
        Assert.Contains(file, output, StringComparison.Ordinal);
        var html = await File.ReadAllTextAsync(file);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("Spend per day", html, StringComparison.Ordinal);
        Assert.Contains("summarise &lt;b&gt;beta&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>beta", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"http", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("--by", "weekday", "--by 'weekday' is not a breakdown")]
    [InlineData("--from", "yesterday", "--from 'yesterday' is not a date")]
    [InlineData("--top", "0", "--top is 0")]
    public async Task Report_BadOption_ExitsTwoNamingTheOption(string option, string value, string expected)
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        await StoreSeed.CreateAsync(store, days: 1);

        var (exitCode, _, error) = CliRunner.Run("report", "--store", store, option, value);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_MissingStore_ExitsTwoWithoutCreatingIt()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "missing.db");

        var (exitCode, _, error) = CliRunner.Run("report", "--store", store);

        Assert.Equal(2, exitCode);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
        Assert.False(File.Exists(store));
    }

    [Fact]
    public async Task Calls_Request_PrintsEverythingRecordedForIt()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        var records = await StoreSeed.CreateAsync(store, days: 6);
        var failed = records.First(r => !r.Success);

        var (exitCode, output, error) = CliRunner.Run("calls", "--store", store, "--request", failed.RequestId);

        Assert.True(exitCode == 0, error);
        Assert.Contains($"Request {failed.RequestId}: 1 call(s)", output, StringComparison.Ordinal);
        Assert.Contains("FAILED", output, StringComparison.Ordinal);
        Assert.Contains($"{failed.PromptId}@{failed.PromptVersion}", output, StringComparison.Ordinal);
        Assert.Contains(failed.UserId!, output, StringComparison.Ordinal);
        Assert.Contains(failed.Model!, output, StringComparison.Ordinal);
        Assert.Contains("HttpRequestException: Response status code does not indicate success: 429", output, StringComparison.Ordinal);
        Assert.Contains(failed.InputTokens!.Value.ToString("#,0", CultureInfo.InvariantCulture), output, StringComparison.Ordinal);
        Assert.Contains("    user: Where is order 10023?", output, StringComparison.Ordinal);
        Assert.Contains("offered lookup_order", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_RequestAsJson_RoundTripsTheRecord()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        var records = await StoreSeed.CreateAsync(store, days: 1);

        var (exitCode, output, _) = CliRunner.Run("calls", "--store", store, "--request", records[3].RequestId, "--format", "json");

        Assert.Equal(0, exitCode);
        var read = Assert.Single(JsonSerializer.Deserialize<PromptCallRecord[]>(output, Web)!);
        Assert.Equal(records[3].Cost, read.Cost);
        Assert.Equal(records[3].Timestamp, read.Timestamp);
        Assert.Equal(records[3].OutputContent, read.OutputContent);
    }

    [Fact]
    public async Task Calls_UnknownRequest_ExitsOneAndSaysHowToFindIt()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        await StoreSeed.CreateAsync(store, days: 1);

        var (exitCode, _, error) = CliRunner.Run("calls", "--store", store, "--request", "req-nope");

        Assert.Equal(1, exitCode);
        Assert.Contains("no call with request id 'req-nope'", error, StringComparison.Ordinal);
        Assert.Contains("promptops calls --store promptops.db", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_WithoutRequestFailedOnly_ListsTheLatestFailedCalls()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        var records = await StoreSeed.CreateAsync(store);
        var latestFailed = records.Where(r => !r.Success).OrderByDescending(r => r.Timestamp).Take(2).ToList();

        var (exitCode, output, _) = CliRunner.Run("calls", "--store", store, "--failed", "--limit", "2");

        Assert.Equal(0, exitCode);
        Assert.Contains("2 call(s), newest first", output, StringComparison.Ordinal);
        Assert.True(output.IndexOf(latestFailed[0].RequestId, StringComparison.Ordinal) < output.IndexOf(latestFailed[1].RequestId, StringComparison.Ordinal));
        Assert.Contains("HttpRequestExcep", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_StoreFromANewerVersion_ExitsOneWithTheReason()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        await StoreSeed.CreateAsync(store, days: 1);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={store};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 7;";
            command.ExecuteNonQuery();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var (exitCode, _, error) = CliRunner.Run("calls", "--store", store);

        Assert.Equal(1, exitCode);
        Assert.Contains("schema version 7", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activate_SqliteStore_RecordsALiveActivationThere()
    {
        using var cli = new CliRunner();
        var prompts = cli.CopyRepositoryPrompts();
        var store = Path.Combine(cli.Root, "promptops.db");

        var (exitCode, output, error) = CliRunner.Run("activate", "customer-support", "2.0.0", "--env", "production", "--reason", "rollback (INC-4312)", "--by", "oncall", "--store", store, "--dir", prompts);

        Assert.True(exitCode == 0, error);
        Assert.Contains($"Activated in {store}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("PromptOps:Labels:production", output, StringComparison.Ordinal);
        var history = await SqliteStoreBuilderExtensions.OpenActivationLog($"Data Source={store}").GetHistoryAsync("customer-support");
        var activation = Assert.Single(history);
        Assert.Equal("2.0.0", activation.ToVersion);
        Assert.Equal("oncall", activation.ActivatedBy);
        Assert.Equal("rollback (INC-4312)", activation.Reason);
        Assert.Equal(PromptActivationKind.Activated, activation.Kind);

        // A second activation starts from what the first made live, not from labels.yaml.
        (exitCode, output, error) = CliRunner.Run("activate", "customer-support", "2.1.0", "--env", "production", "--reason", "fixed", "--store", store, "--dir", prompts);
        Assert.True(exitCode == 0, error);
        Assert.Contains("production customer-support 2.0.0 -> 2.1.0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LabelsHistory_AtAPointInTime_SaysWhichVersionWasServingThen()
    {
        using var cli = new CliRunner();
        var prompts = cli.CopyRepositoryPrompts();
        var store = Path.Combine(cli.Root, "promptops.db");
        var log = SqliteStoreBuilderExtensions.OpenActivationLog($"Data Source={store}");
        foreach (var (at, version, reason) in new[] { ("2026-12-01T10:00:00Z", "2.0.0", "rollback"), ("2026-12-02T09:00:00Z", "2.1.0", "fixed") })
        {
            await log.RecordAsync(new PromptActivation { PromptId = "customer-support", Environment = "production", ToVersion = version, ActivatedBy = "ann", Timestamp = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), Reason = reason });
        }

        var (exitCode, output, error) = CliRunner.Run("labels", "--history", "--at", "2026-12-02T03:00:00Z", "--store", store, "--dir", prompts);
        var (_, all, _) = CliRunner.Run("labels", "--history", "--store", store, "--dir", prompts);

        Assert.True(exitCode == 0, error);
        var row = output.Split('\n').Single(l => l.Contains("customer-support", StringComparison.Ordinal));
        Assert.Contains("2.0.0", row, StringComparison.Ordinal);
        Assert.Contains("2026-12-01 10:00:00Z", row, StringComparison.Ordinal);
        Assert.Contains("2 entries", all, StringComparison.Ordinal);
        Assert.True(all.IndexOf("rollback", StringComparison.Ordinal) < all.IndexOf("fixed", StringComparison.Ordinal));
    }
}
