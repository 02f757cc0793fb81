using System.Data.Common;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests;

/// <summary>The dashboard over HTTP: pages on empty, missing and failing stores, bad input, and who may take an action.</summary>
public sealed class DashboardEndpointsTests
{
    private static readonly string[] Pages = ["/promptops", "/promptops/", "/promptops/cost", "/promptops/cost?by=user", "/promptops/cost?by=day", "/promptops/quality", "/promptops/requests", "/promptops/activations"];

    [Fact]
    public async Task EveryPage_EmptyStore_AnswersWithANoteInsteadOfAnError()
    {
        await using var host = await DashboardHost.StartAsync();
        foreach (var page in Pages)
        {
            var (status, html) = await DashboardHost.GetAsync(host.Client, page);
            Assert.True(status == HttpStatusCode.OK, $"{page}: {status}");
            Assert.Contains("</html>", html, StringComparison.Ordinal);
        }

        Assert.Contains("No calls were recorded in the last 7 days.", (await DashboardHost.GetAsync(host.Client, "/promptops/cost")).Html, StringComparison.Ordinal);
        Assert.Contains("The activation log is empty.", (await DashboardHost.GetAsync(host.Client, "/promptops/activations")).Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_AppWithoutAStore_Answers503SayingHowToAddOne()
    {
        await using var host = await DashboardHost.StartAsync(store: false);
        var (status, html) = await DashboardHost.GetAsync(host.Client, "/promptops/cost");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("AddSqliteStore", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_StoreUnreachable_Answers503WithTheCause()
    {
        await using var host = await DashboardHost.StartAsync(services: s => s.AddSingleton<ICallStore>(new UnreachableStore()));
        foreach (var page in new[] { "/promptops", "/promptops/cost", "/promptops/quality", "/promptops/requests?id=abc", "/promptops/requests" })
        {
            var (status, html) = await DashboardHost.GetAsync(host.Client, page);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("The store could not be read", html, StringComparison.Ordinal);
            Assert.Contains("connection refused by db.internal:5432", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EveryPage_PostgreSqlStore_ShowsTheFleetsRecordsFeedbackAndActivations()
    {
        var server = await PostgresServer.SharedAsync();
        await using var host = await DashboardHost.StartAsync(postgres: await server.CreateDatabaseAsync());
        var now = DateTimeOffset.UtcNow;
        await host.WriteAsync(
            Calls.Call("req-pg-1", now.AddHours(-2)),
            Calls.Call("req-pg-1", now.AddHours(-2).AddSeconds(1)),
            Calls.Call("req-pg-2", now.AddHours(-1), error: "503 from the provider"));
        await host.Services.GetRequiredService<IPromptFeedback>().RecordAsync(PromptFeedback.Thumbs("req-pg-1", up: true));
        await host.Services.GetRequiredService<IPromptActivations>().ActivateAsync("customer-support", "2.0.0", "staging", "pin", "alice");

        var (status, cost) = await DashboardHost.GetAsync(host.Client, "/promptops/cost?by=feature");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<td>customer_support</td><td class=\"num\">3</td><td class=\"num\">33.3%</td>", cost, StringComparison.Ordinal);
        Assert.Contains("$0.00108", cost, StringComparison.Ordinal); // 3 × $0.00036
        var (_, quality) = await DashboardHost.GetAsync(host.Client, "/promptops/quality");
        Assert.Contains("thumbs 1 (n=1)", quality, StringComparison.Ordinal);
        var (_, request) = await DashboardHost.GetAsync(host.Client, "/promptops/requests?id=req-pg-1");
        Assert.Equal(2, request.Split("class=\"card round-trip\"").Length - 1);
        var (_, activations) = await DashboardHost.GetAsync(host.Client, "/promptops/activations");
        Assert.Contains(">pin</td>", activations, StringComparison.Ordinal);
        foreach (var page in Pages)
        {
            Assert.Equal(HttpStatusCode.OK, (await DashboardHost.GetAsync(host.Client, page)).Status);
        }
    }

    [Fact]
    public async Task RequestsPage_UnknownRequestId_Answers404NamingTheId()
    {
        await using var host = await DashboardHost.StartAsync();
        await host.WriteAsync(Calls.Call("req-1", DateTimeOffset.UtcNow));
        var (status, html) = await DashboardHost.GetAsync(host.Client, "/promptops/requests?id=no-such-request");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("no call with request id &#x27;no-such-request&#x27;", html, StringComparison.Ordinal);

        var (longStatus, longHtml) = await DashboardHost.GetAsync(host.Client, "/promptops/requests?id=" + new string('x', 5000));
        Assert.Equal(HttpStatusCode.BadRequest, longStatus);
        Assert.Contains("at most 200 characters", longHtml, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/promptops/cost?days=5", "must be one of 1, 7, 30, 90; it was &#x27;5&#x27;")]
    [InlineData("/promptops/cost?from=2026-13-01&to=2026-12-01", "must both be dates written yyyy-MM-dd")]
    [InlineData("/promptops/quality?from=2026-12-02&to=2026-12-01", "is before &#x27;from&#x27;")]
    [InlineData("/promptops/cost?by=colour", "must be one of feature, model, user, tenant, prompt, version, day; it was &#x27;colour&#x27;")]
    public async Task Page_MalformedQuery_Answers400NamingTheParameter(string path, string message)
    {
        await using var host = await DashboardHost.StartAsync();
        var (status, html) = await DashboardHost.GetAsync(host.Client, path);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsPage_MarkupInRecordedContent_IsEncodedAndNoScriptMayRun()
    {
        await using var host = await DashboardHost.StartAsync();
        await host.WriteAsync(Calls.Call("req-markup", DateTimeOffset.UtcNow, "<b>feature</b>", "user: <script>alert('xss')</script>", "<img src=x onerror=alert(1)>", "<iframe src=javascript:alert(1)>"));
        using var response = await host.Client.GetAsync("/promptops/requests?id=req-markup");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Page_AppWithAPathBase_LinksUnderIt()
    {
        await using var host = await DashboardHost.StartAsync(pathBase: "/tools");
        var (status, html) = await DashboardHost.GetAsync(host.Client, "/tools/promptops/cost");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("href=\"/tools/promptops/assets/dashboard.css\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/tools/promptops/quality\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stylesheet_IsServedFromTheAssembly()
    {
        await using var host = await DashboardHost.StartAsync();
        using var response = await host.Client.GetAsync("/promptops/assets/dashboard.css");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("@media (max-width: 640px)", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActivatePost_Operator_RecordsTheActivationAndRedirectsToIt()
    {
        await using var host = await DashboardHost.StartAsync();
        var (_, page) = await DashboardHost.GetAsync(host.Client, "/promptops/activations", "alice", "operator");
        Assert.Contains("data-action=\"activate\"", page, StringComparison.Ordinal);
        using var response = await DashboardHost.PostAsync(host.Client, "/promptops/actions/activate",
            new() { ["prompt"] = "customer-support", ["version"] = "2.0.0", ["environment"] = "staging", ["reason"] = "roll back the refund wording" },
            "alice", "operator", DashboardHost.Token(page));
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var history = await host.Services.GetRequiredService<IActivationLog>().GetHistoryAsync("customer-support", "staging");
        var entry = Assert.Single(history);
        Assert.Equal(("2.0.0", "alice", "roll back the refund wording"), (entry.ToVersion, entry.ActivatedBy, entry.Reason));
        Assert.EndsWith("/promptops/activations?done=" + entry.Id, response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var (_, after) = await DashboardHost.GetAsync(host.Client, response.Headers.Location!.ToString(), "alice", "operator");
        Assert.Contains("Recorded: ", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApprovePost_ByTheRequester_IsRefusedWithTheReason()
    {
        await using var host = await DashboardHost.StartAsync();
        var request = await host.Services.GetRequiredService<IPromptActivations>().ActivateAsync("customer-support", "2.1.0", "production", "refund window", "alice");
        var (_, page) = await DashboardHost.GetAsync(host.Client, "/promptops/activations", "alice", "operator");
        Assert.Contains(request.Id, page, StringComparison.Ordinal);
        using var response = await DashboardHost.PostAsync(host.Client, "/promptops/actions/approve", new() { ["id"] = request.Id }, "alice", "operator", DashboardHost.Token(page));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("who cannot approve it", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(await host.Services.GetRequiredService<IActivationLog>().GetHistoryAsync("customer-support", "production"));
    }

    [Fact]
    public async Task ActionPost_Anonymous_IsChallengedAndRecordsNothing()
    {
        await using var host = await DashboardHost.StartAsync();
        var (_, page) = await DashboardHost.GetAsync(host.Client, "/promptops/activations");
        Assert.DoesNotContain("data-action=", page, StringComparison.Ordinal);
        Assert.Contains("Sign in as someone the &#x27;operators&#x27; policy allows", page, StringComparison.Ordinal);
        using var response = await DashboardHost.PostAsync(host.Client, "/promptops/actions/activate",
            new() { ["prompt"] = "customer-support", ["version"] = "2.0.0", ["environment"] = "staging", ["reason"] = "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await host.Services.GetRequiredService<IActivationLog>().GetHistoryAsync());
    }

    [Fact]
    public async Task ActionPost_SignedInUserOutsideThePolicy_IsForbiddenAndRecordsNothing()
    {
        await using var host = await DashboardHost.StartAsync();
        var (_, operatorPage) = await DashboardHost.GetAsync(host.Client, "/promptops/activations", "dave", "operator");
        using var response = await DashboardHost.PostAsync(host.Client, "/promptops/actions/activate",
            new() { ["prompt"] = "customer-support", ["version"] = "2.0.0", ["environment"] = "staging", ["reason"] = "x" }, "dave", "viewer", DashboardHost.Token(operatorPage));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await host.Services.GetRequiredService<IActivationLog>().GetHistoryAsync());
    }

    [Fact]
    public async Task ActionPost_WithoutAntiforgeryToken_Answers400AndRecordsNothing()
    {
        await using var host = await DashboardHost.StartAsync();
        await DashboardHost.GetAsync(host.Client, "/promptops/activations", "alice", "operator");
        using var response = await DashboardHost.PostAsync(host.Client, "/promptops/actions/activate",
            new() { ["prompt"] = "customer-support", ["version"] = "2.0.0", ["environment"] = "staging", ["reason"] = "x" }, "alice", "operator");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("antiforgery token is missing", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A token issued to someone else (another browser) is refused too.
        using var other = host.NewClient();
        var (_, otherPage) = await DashboardHost.GetAsync(other, "/promptops/activations", "mallory", "operator");
        using var forged = await DashboardHost.PostAsync(host.Client, "/promptops/actions/activate",
            new() { ["prompt"] = "customer-support", ["version"] = "2.0.0", ["environment"] = "staging", ["reason"] = "x" }, "alice", "operator", DashboardHost.Token(otherPage));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Empty(await host.Services.GetRequiredService<IActivationLog>().GetHistoryAsync());
    }

    [Fact]
    public async Task ActionPost_MissingField_Answers409NamingTheField()
    {
        await using var host = await DashboardHost.StartAsync();
        var (_, page) = await DashboardHost.GetAsync(host.Client, "/promptops/activations", "alice", "operator");
        using var response = await DashboardHost.PostAsync(host.Client, "/promptops/actions/activate",
            new() { ["prompt"] = "customer-support", ["version"] = "2.0.0", ["environment"] = "staging" }, "alice", "operator", DashboardHost.Token(page));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("The form field &#x27;reason&#x27; is required.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActionPost_ActionsOff_IsForbiddenAndThePageSaysReadOnly()
    {
        await using var host = await DashboardHost.StartAsync(dashboard: _ => { });
        var (_, page) = await DashboardHost.GetAsync(host.Client, "/promptops/activations", "alice", "operator");
        Assert.Contains("This dashboard is read-only", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-action=", page, StringComparison.Ordinal);
        using var response = await DashboardHost.PostAsync(host.Client, "/promptops/actions/activate",
            new() { ["prompt"] = "customer-support", ["version"] = "2.0.0", ["environment"] = "staging", ["reason"] = "x" }, "alice", "operator");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await host.Services.GetRequiredService<IActivationLog>().GetHistoryAsync());
    }

    [Fact]
    public async Task MapPromptOpsDashboard_ActionsWithoutAntiforgeryServices_ThrowsSayingWhatToAdd()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddPromptOps();
        await using var app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapPromptOpsDashboard("/promptops", o => o.ActionsPolicy = "operators"));
        Assert.Contains("builder.Services.AddAntiforgery()", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A store whose database refuses every connection.</summary>
    private sealed class UnreachableStore : ICallStore
    {
        public Task<IReadOnlyList<PromptCallRecord>> GetRequestAsync(string requestId, CancellationToken cancellationToken = default) => throw Refused();

        public Task<IReadOnlyList<PromptCallRecord>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default) => throw Refused();

        public Task<IReadOnlyList<CallAggregate>> AggregateAsync(CallQuery query, IReadOnlyList<CallGrouping> groupBy, CancellationToken cancellationToken = default) => throw Refused();

        public Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => throw Refused();

        public Task<IReadOnlyList<BudgetSpend>> GetBudgetSpendAsync(DateTimeOffset? startedFrom = null, DateTimeOffset? startedBefore = null, CancellationToken cancellationToken = default) => throw Refused();

        private static RefusedException Refused() => new RefusedException();

        private sealed class RefusedException() : DbException("Failed to connect: connection refused by db.internal:5432.");
    }
}
