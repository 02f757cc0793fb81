using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's chromium, driven by Playwright) over samples/Dashboard's month of simulated
/// traffic: every page loads cleanly on a laptop and a phone, its numbers equal the store's (computed here with SQL), incident
/// lookup shows a tool loop's round trips, recorded markup stays text, and only an operator can act.
/// </summary>
public sealed class DashboardBrowserTests(SampleDashboard dashboard) : IClassFixture<SampleDashboard>
{
    private static readonly string[] Pages =
        ["/promptops", "/promptops/cost", "/promptops/cost?by=model", "/promptops/cost?by=user", "/promptops/cost?by=day&days=30", "/promptops/quality?days=30", "/promptops/requests", "/promptops/activations"];

    /// <summary>Whole past days, which no live traffic changes: the last 14 days before today (UTC).</summary>
    private static readonly DateTime From = DateTime.UtcNow.Date.AddDays(-14);

    private static readonly DateTime To = DateTime.UtcNow.Date.AddDays(-1);

    private static string Range => $"from={From:yyyy-MM-dd}&to={To:yyyy-MM-dd}";

    [Theory]
    [InlineData(1366, 800)]
    [InlineData(390, 844)]
    public async Task EveryPage_LaptopAndPhone_LoadsWithoutConsoleErrorsOrSidewaysScrolling(int width, int height)
    {
        var page = await NewPageAsync(width, height);
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Add($"{page.Url}: console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add($"{page.Url}: {error}");
        page.RequestFailed += (_, request) => problems.Add($"{page.Url}: request failed {request.Url}");
        foreach (var path in Pages)
        {
            var response = await page.GotoAsync(dashboard.Address + path.TrimStart('/'));
            Assert.True(response is { Status: 200 }, $"{path}: {response?.Status}");
            Assert.Equal("rgb(29, 35, 48)", await page.Locator("header").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"{path} at {width}px is {overflow}px wider than the screen");
            await ScreenshotAsync(page, path, width);
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task SpendPage_TotalsAndDays_EqualTheStore()
    {
        var page = await NewPageAsync();
        await page.GotoAsync($"{dashboard.Address}promptops?{Range}");
        using var store = dashboard.OpenStore();
        var days = Rows(store, $"SELECT timestamp_ticks / {TimeSpan.TicksPerDay}, count(*), sum(success = 0), group_concat(cost_usd, ' ') FROM calls WHERE {InRange} GROUP BY 1 ORDER BY 1 DESC");
        Assert.Equal(14, days.Count);
        Assert.Equal(days.Sum(d => (long)d[1]), Count(await page.Locator("#total-calls .value").InnerTextAsync()));
        Assert.Equal(Cents(days.Sum(d => Cost((string?)d[3]))), Usd(await page.Locator("#total-cost .value").InnerTextAsync()));

        var shown = await page.Locator("#days tbody tr").AllAsync();
        Assert.Equal(days.Count, shown.Count);
        for (var i = 0; i < days.Count; i++)
        {
            var cells = await shown[i].Locator("td").AllInnerTextsAsync();
            Assert.Equal(new DateTime((long)days[i][0] * TimeSpan.TicksPerDay).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), cells[0]);
            Assert.Equal((long)days[i][1], Count(cells[1]));
            Assert.Equal(Cents(Cost((string?)days[i][3])), Usd(cells[3]));
        }

        // Budgets: each budget's newest period as the spend ledger holds it (nano-dollars).
        var budgets = Rows(store, "SELECT budget, scope_value, spent_nanousd FROM spend_ledger l WHERE period_start_ticks = (SELECT max(period_start_ticks) FROM spend_ledger m WHERE m.budget = l.budget AND m.scope_value = l.scope_value)");
        var budgetRows = await page.Locator("#budgets tbody tr").AllAsync();
        Assert.True(budgets.Count >= 2, "the sample's budgets spent nothing");
        Assert.Equal(budgets.Count, budgetRows.Count);
        foreach (var row in budgetRows)
        {
            var cells = await row.Locator("td").AllInnerTextsAsync();
            var expected = budgets.Single(b => (string)b[0] == cells[0] && (cells[1] == "all" || cells[1].EndsWith((string)b[1], StringComparison.Ordinal)));
            Assert.Equal(Cents((long)expected[2] / 1_000_000_000m), Usd(cells[4]));
        }
    }

    [Theory]
    [InlineData("model", "coalesce(model, '(none)')")]
    [InlineData("feature", "feature")]
    [InlineData("user", "coalesce(user_id, '(none)')")]
    [InlineData("prompt", "coalesce(prompt_id, '(none)')")]
    public async Task CostPage_EachBreakdown_EqualsTheStore(string by, string column)
    {
        var page = await NewPageAsync();
        await page.GotoAsync($"{dashboard.Address}promptops/cost?by={by}&{Range}");
        using var store = dashboard.OpenStore();
        var groups = Rows(store, $"SELECT {column}, count(*), sum(input_tokens), group_concat(cost_usd, ' ') FROM calls WHERE {InRange} GROUP BY 1")
            .ToDictionary(g => (string)g[0], g => (Calls: (long)g[1], Input: (long)g[2], Cost: Cost((string?)g[3])));
        Assert.NotEmpty(groups);
        var rows = await page.Locator("#cost tbody tr").AllAsync();
        var compared = 0;
        foreach (var row in rows.SkipLast(1))
        {
            var cells = await row.Locator("td").AllInnerTextsAsync();
            if (cells[0].EndsWith(" more", StringComparison.Ordinal))
            {
                continue;
            }

            var expected = groups[cells[0]];
            Assert.Equal(expected.Calls, Count(cells[1]));
            Assert.Equal(expected.Input, Count(cells[3]));
            Assert.Equal(Cents(expected.Cost), Usd(cells[5]));
            compared++;
        }

        Assert.Equal(Math.Min(groups.Count, 100), compared);
        var total = await rows[^1].Locator("td").AllInnerTextsAsync();
        Assert.Equal(groups.Values.Sum(g => g.Calls), Count(total[0]));
    }

    [Fact]
    public async Task QualityPage_VersionsAndFeedback_EqualTheStore()
    {
        var page = await NewPageAsync();
        await page.GotoAsync($"{dashboard.Address}promptops/quality?{Range}");
        using var store = dashboard.OpenStore();
        var versions = Rows(store, $"SELECT prompt_id || '@' || prompt_version, coalesce(variant, '-'), count(*), sum(success = 0) FROM calls WHERE prompt_id IS NOT NULL AND {InRange} GROUP BY 1, 2");
        var thumbs = Rows(store, $"""
            SELECT c.prompt_id || '@' || c.prompt_version, coalesce(c.variant, '-'), count(*), avg(f.score) FROM feedback f
            JOIN (SELECT DISTINCT request_id, prompt_id, prompt_version, variant FROM calls WHERE prompt_id IS NOT NULL AND {InRange}) c ON c.request_id = f.request_id
            WHERE f.name = 'thumbs' GROUP BY 1, 2
            """).ToDictionary(t => ((string)t[0], (string)t[1]), t => (N: (long)t[2], Mean: (double)t[3]));
        var rows = await page.Locator("#quality tbody tr").AllAsync();
        Assert.True(versions.Count >= 4 && thumbs.Count >= 2, $"{versions.Count} versions, {thumbs.Count} with thumbs");
        Assert.Equal(versions.Count, rows.Count);
        foreach (var row in rows)
        {
            var cells = await row.Locator("td").AllInnerTextsAsync();
            var expected = versions.Single(v => (string)v[0] == cells[0] && (string)v[1] == cells[1]);
            Assert.Equal((long)expected[2], Count(cells[2]));
            Assert.Equal(((long)expected[3] * 100.0 / (long)expected[2]).ToString("0.0", CultureInfo.InvariantCulture) + "%", cells[3]);
            if (thumbs.TryGetValue((cells[0], cells[1]), out var signal) && signal.N > 0)
            {
                Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"thumbs {signal.Mean:0.###} (n={signal.N})"), cells[10], StringComparison.Ordinal);
            }
        }

        // The sample's A/B test in staging: refund-window against control on error rate and on thumbs.
        var measures = await page.Locator("#comparisons tbody tr td:nth-child(2)").AllInnerTextsAsync();
        Assert.Equal(["error_rate", "feedback thumbs"], measures);
    }

    [Fact]
    public async Task RequestsPage_ToolLoopRequest_ShowsEveryRoundTripWithItsToolsAndCost()
    {
        using var store = dashboard.OpenStore();
        var loop = Rows(store, "SELECT request_id, count(*), group_concat(cost_usd, ' ') FROM calls GROUP BY request_id HAVING count(*) > 1 AND sum(success = 0) = 0 LIMIT 1").Single();
        var page = await NewPageAsync();
        await page.GotoAsync($"{dashboard.Address}promptops/requests");
        await page.FillAsync("input[name=id]", (string)loop[0]);
        await page.ClickAsync("button[type=submit]");
        Assert.Equal((long)loop[1], await page.Locator(".round-trip").CountAsync());
        Assert.Contains("lookup_order", await page.Locator(".round-trip").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Order 10023 shipped", await page.Locator(".round-trip").Last.InnerTextAsync(), StringComparison.Ordinal);
        var facts = await page.Locator("#request").InnerTextAsync();
        Assert.Contains($"Round trips\n{loop[1]}", facts, StringComparison.Ordinal);
        Assert.Contains(Format(Cost((string?)loop[2])), facts, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsPage_ScriptTagInARecordedMessage_IsDisplayedNotRun()
    {
        using var store = dashboard.OpenStore();
        var id = (string)Rows(store, "SELECT request_id FROM calls WHERE input_content LIKE '%<script>%' LIMIT 1").Single()[0];
        var escalated = (string)Rows(store, "SELECT request_id FROM feedback WHERE comment LIKE '%<img%' LIMIT 1").Single()[0];
        var page = await NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };
        await page.GotoAsync($"{dashboard.Address}promptops/requests?id={Uri.EscapeDataString(id)}");
        Assert.Contains("<script>alert('xss')</script>", await page.Locator(".round-trip pre").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("main script").CountAsync());
        await page.GotoAsync($"{dashboard.Address}promptops/requests?id={Uri.EscapeDataString(escalated)}");
        Assert.Contains("<img src=x onerror=alert(1)>", await page.Locator("#feedback").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("main img").CountAsync());
        await page.WaitForTimeoutAsync(300);
        Assert.Empty(dialogs);
    }

    [Fact]
    public async Task ActivationsPage_OperatorApproves_TheApprovalIsRecordedUnderTheirName()
    {
        var page = await NewPageAsync();
        await page.GotoAsync($"{dashboard.Address}signin?user=alice&role=operator");
        var pending = page.Locator("#pending tbody tr").Filter(new() { HasText = "classify-intent" });
        var request = await pending.Locator("td").First.InnerTextAsync();
        await pending.Locator("button[data-action=approve]").ClickAsync();
        await page.WaitForURLAsync("**/promptops/activations?done=*");
        Assert.Contains($"approved {request}", await page.Locator("#recorded").InnerTextAsync(), StringComparison.Ordinal);
        using var store = dashboard.OpenStore();
        var approval = Rows(store, $"SELECT activated_by, to_version FROM activations WHERE relates_to = '{request}'").Single();
        Assert.Equal(("alice", "1.0.0"), ((string)approval[0], (string)approval[1]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("dave")]
    public async Task ActivationsPage_AnonymousOrNonOperator_SeesNoActionsAndCannotPostOne(string? user)
    {
        var page = await NewPageAsync();
        if (user is not null)
        {
            await page.GotoAsync($"{dashboard.Address}signin?user={user}");
        }

        await page.GotoAsync($"{dashboard.Address}promptops/activations");
        Assert.Equal(0, await page.Locator("button[data-action]").CountAsync());
        using var store = dashboard.OpenStore();
        var before = (long)Rows(store, "SELECT count(*) FROM activations").Single()[0];
        var response = await page.APIRequest.PostAsync($"{dashboard.Address}promptops/actions/activate", new()
        {
            Form = page.APIRequest.CreateFormData().Set("prompt", "customer-support").Set("version", "2.1.0").Set("environment", "production").Set("reason", "sneaky"),
        });
        Assert.Contains("/signin", response.Url, StringComparison.Ordinal);
        Assert.Equal(before, (long)Rows(store, "SELECT count(*) FROM activations").Single()[0]);
    }

    private static string InRange => $"timestamp_ticks >= {From.Ticks} AND timestamp_ticks < {To.AddDays(1).Ticks}";

    private async Task<IPage> NewPageAsync(int width = 1366, int height = 800)
    {
        var context = await dashboard.Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        return await context.NewPageAsync();
    }

    private static List<object[]> Rows(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object[]>();
        while (reader.Read())
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            rows.Add(values);
        }

        return rows;
    }

    /// <summary>The exact sum of costs stored as decimal text.</summary>
    private static decimal Cost(string? costs) => costs is null ? 0 : costs.Split(' ').Sum(c => decimal.Parse(c, NumberStyles.Float, CultureInfo.InvariantCulture));

    private static decimal Cents(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    private static decimal Usd(string text) => Cents(decimal.Parse(text.TrimStart('$'), NumberStyles.Number, CultureInfo.InvariantCulture));

    private static string Format(decimal value) => "$" + value.ToString(value < 0.01m ? "0.0000##" : "#,0.00", CultureInfo.InvariantCulture);

    private static long Count(string text) => long.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    /// <summary>Saves the page for docs/images when PROMPTOPS_SCREENSHOTS names a folder.</summary>
    private static async Task ScreenshotAsync(IPage page, string path, int width)
    {
        if (Environment.GetEnvironmentVariable("PROMPTOPS_SCREENSHOTS") is not { Length: > 0 } folder)
        {
            return;
        }

        var name = path.Trim('/').Replace("promptops", "dashboard", StringComparison.Ordinal).Replace('/', '-').Replace('?', '-').Replace('=', '-').Replace('&', '-');
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}-{width}.png"), FullPage = true });
    }
}
