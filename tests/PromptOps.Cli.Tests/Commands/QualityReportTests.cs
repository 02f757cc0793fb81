using System.Text.Json;

namespace PromptOps.Cli.Tests.Commands;

/// <summary><c>promptops report --by version</c>: per-version quality with feedback, and the A/B comparison, against numbers computed in the test.</summary>
public sealed class QualityReportTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 10, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Report_ByVersion_ShowsEachVariantsQualityFeedbackAndTheirDifference()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        var (calls, feedback) = Seed();
        await new SqliteCallWriter(new SqliteDatabase($"Data Source={store}", TimeSpan.FromSeconds(5))).WriteBatchAsync(calls, CancellationToken.None);
        var feedbackStore = SqliteStoreBuilderExtensions.OpenFeedbackStore($"Data Source={store}");
        foreach (var signal in feedback)
        {
            Assert.True(await feedbackStore.TryRecordAsync(signal));
        }

        var (exitCode, output, error) = CliRunner.Run("report", "--store", store, "--by", "version", "--format", "json");
        var table = CliRunner.Run("report", "--store", store, "--by", "version");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var rows = json.RootElement.GetProperty("quality").EnumerateArray().ToList();
        Assert.Equal(["control", "refund-window"], rows.Select(r => r.GetProperty("variant").GetString()));
        foreach (var row in rows)
        {
            var variant = row.GetProperty("variant").GetString();
            var mine = calls.Where(c => c.Variant == variant).ToList();
            var totals = row.GetProperty("totals");
            Assert.Equal(mine.Count, totals.GetProperty("calls").GetInt64());
            Assert.Equal(mine.Count(c => !c.Success), totals.GetProperty("errors").GetInt64());
            var thumbs = row.GetProperty("feedback").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "thumbs");
            var given = feedback.Where(f => mine.Any(c => c.RequestId == f.RequestId)).ToList();
            Assert.Equal(given.Count, thumbs.GetProperty("scored").GetInt64());
            Assert.Equal(given.Average(f => f.Score!.Value), thumbs.GetProperty("mean").GetDouble(), 9);
        }

        var comparisons = json.RootElement.GetProperty("comparisons").EnumerateArray().ToList();
        var errorRate = comparisons.Single(c => c.GetProperty("measure").GetString() == "error_rate");
        Assert.Equal("customer-support@2.1.0 (refund-window)", errorRate.GetProperty("candidate").GetString());
        Assert.True(errorRate.GetProperty("significant").GetBoolean(), "10% vs 2% errors over 600 calls each is a real difference");
        Assert.InRange(errorRate.GetProperty("low").GetDouble(), 0.04, 0.08);
        var liked = comparisons.Single(c => c.GetProperty("measure").GetString() == "feedback thumbs");
        Assert.True(liked.GetProperty("significant").GetBoolean());
        Assert.True(liked.GetProperty("difference").GetDouble() > 0.3);

        Assert.Contains("Quality by prompt version", table.Output, StringComparison.Ordinal);
        Assert.Contains("thumbs 0.8", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_ByVersionHtml_MarkupInRecordedNamesIsShownAsText()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        var (calls, _) = Seed();
        var hostile = calls.Take(10).Select(c => new PromptCallRecord
        {
            RequestId = c.RequestId + "-x",
            Timestamp = c.Timestamp,
            Feature = c.Feature,
            PromptId = "<script>alert(1)</script>",
            PromptVersion = "1.0.0",
            Variant = "<img src=x onerror=alert(2)>",
            Success = true,
            Latency = c.Latency,
        }).ToList();
        await new SqliteCallWriter(new SqliteDatabase($"Data Source={store}", TimeSpan.FromSeconds(5))).WriteBatchAsync([.. calls, .. hostile], CancellationToken.None);
        var html = Path.Combine(cli.Root, "quality.html");

        var (exitCode, _, error) = CliRunner.Run("report", "--store", store, "--by", "version", "--format", "html", "--out", html);

        Assert.True(exitCode == 0, error);
        var page = await File.ReadAllTextAsync(html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;@1.0.0", page, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_ByVersionOnAnEmptyStore_SaysThereAreNoCalls()
    {
        using var cli = new CliRunner();
        var store = Path.Combine(cli.Root, "promptops.db");
        await SqliteStoreBuilderExtensions.OpenFeedbackStore($"Data Source={store}").GetAsync("none"); // creates the schema

        var (exitCode, output, error) = CliRunner.Run("report", "--store", store, "--by", "version");

        Assert.True(exitCode == 0, error);
        Assert.Contains("(no calls)", output, StringComparison.Ordinal);
    }

    /// <summary>600 calls per variant of an A/B split: the candidate fails 10% and is liked 80%, the control fails 2% and is liked 40%.</summary>
    private static (List<PromptCallRecord> Calls, List<PromptFeedback> Feedback) Seed()
    {
        var calls = new List<PromptCallRecord>();
        var feedback = new List<PromptFeedback>();
        for (var i = 0; i < 1_200; i++)
        {
            var candidate = i % 2 == 1;
            var n = i / 2;
            var call = new PromptCallRecord
            {
                RequestId = $"req-{i}",
                Timestamp = Start.AddSeconds(i),
                Feature = "support",
                UserId = $"user-{i}",
                PromptId = "customer-support",
                PromptVersion = candidate ? "2.1.0" : "2.0.0",
                Variant = candidate ? "refund-window" : "control",
                Label = "staging",
                Model = "gpt-4o-mini",
                InputTokens = 900,
                OutputTokens = candidate ? 140 : 120,
                Latency = TimeSpan.FromMilliseconds(candidate ? 700 : 600),
                TimeToFirstToken = TimeSpan.FromMilliseconds(200),
                Streaming = true,
                Success = candidate ? n % 10 != 0 : n % 50 != 0,
                Cost = 0.0002m,
            };
            calls.Add(call);
            if (n % 3 == 0)
            {
                feedback.Add(PromptFeedback.Thumbs(call.RequestId, up: candidate ? n % 5 != 0 : n % 5 < 2) with { Timestamp = call.Timestamp.AddMinutes(1) });
            }
        }

        return (calls, feedback);
    }
}
