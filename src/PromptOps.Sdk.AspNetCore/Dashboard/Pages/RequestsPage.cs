using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace PromptOps.Dashboard.Pages;

/// <summary>
/// Incident lookup: every round trip of one request (a tool loop makes several) with its content as recorded (redacted per
/// <c>PromptOps:Calls:ContentCapture</c>), tool calls, cost, latency and error, and the feedback given on it. Without an id,
/// the most recent failed requests.
/// </summary>
internal static class RequestsPage
{
    /// <summary>The longest request id looked up (ids PromptOps makes are 32 characters; callers may set their own).</summary>
    private const int MaxIdLength = 200;

    public static async Task WriteAsync(DashboardPage page, CancellationToken cancellationToken)
    {
        if (page.Store is not { } store)
        {
            page.NoStore();
            return;
        }

        var id = page.Query("id").Trim();
        var html = page.Body;
        html.Open("form", ("method", "get"), ("action", page.Url("/requests")), ("class", "filters"));
        html.Open("label").Text("Request id").Open("input", ("name", "id"), ("value", id), ("size", "40"), ("maxlength", MaxIdLength.ToString(CultureInfo.InvariantCulture)), ("autocomplete", "off")).Close("label");
        html.Raw("<button type=\"submit\">Look up</button></form>");
        if (id.Length == 0)
        {
            await RecentFailuresAsync(page, store, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (id.Length > MaxIdLength)
        {
            page.Problem(StatusCodes.Status400BadRequest, "Request id too long", $"A request id is at most {MaxIdLength} characters; this one has {id.Length}. Copy the id from the response header or the log line of the call.");
            return;
        }

        var calls = await store.GetRequestAsync(id, cancellationToken).ConfigureAwait(false);
        if (calls.Count == 0)
        {
            page.Problem(StatusCodes.Status404NotFound, "No such request", $"The store has no call with request id '{id}'. It may be mistyped, belong to another store, not be written yet (records are written in batches within a second or two), or be older than PromptOps:Calls:RetentionDays.");
            return;
        }

        var feedback = page.Services.GetService<IFeedbackStore>() is { } feedbackStore
            ? await feedbackStore.GetAsync(id, cancellationToken).ConfigureAwait(false)
            : [];
        WriteRequest(page, id, calls, feedback);
    }

    private static void WriteRequest(DashboardPage page, string id, IReadOnlyList<PromptCallRecord> calls, IReadOnlyList<PromptFeedback> feedback)
    {
        var html = page.Body;
        var first = calls[0];
        html.Raw("<div class=\"card\" id=\"request\">").Element("h2", $"Request {id}");
        html.Raw("<dl class=\"facts\">");
        Fact(html, "Started", DashboardFormat.Time(first.Timestamp));
        Fact(html, "Feature", first.Feature);
        Fact(html, "Prompt", first.PromptId is null ? "-" : $"{first.PromptId}@{first.PromptVersion}" + (first.Variant is null ? string.Empty : $" (variant {first.Variant})") + (first.Label is null ? string.Empty : $", served by {first.Label}"));
        Fact(html, "User", first.UserId ?? "-");
        Fact(html, "Tenant", first.TenantId ?? "-");
        Fact(html, "Round trips", calls.Count.ToString(CultureInfo.InvariantCulture));
        Fact(html, "Cost", DashboardFormat.Usd(calls.Sum(c => c.Cost ?? 0)) + (calls.Any(c => c.Cost is null && c.Success) ? " (some round trips unpriced)" : string.Empty));
        Fact(html, "Latency", DashboardFormat.Duration(TimeSpan.FromTicks(calls.Sum(c => c.Latency.Ticks))));
        Fact(html, "Outcome", calls.All(c => c.Success) ? "succeeded" : "failed");
        html.Raw("</dl></div>");

        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            html.Raw("<div class=\"card round-trip\">");
            html.Open("h2").Text($"Round trip {i + 1} of {calls.Count} ").Element("span", call.Success ? "ok" : "failed", call.Success ? "badge good" : "badge bad").Close("h2");
            html.Raw("<dl class=\"facts\">");
            Fact(html, "Started", DashboardFormat.Time(call.Timestamp));
            Fact(html, "Model", (call.Model ?? "-") + (call.ResponseModel is { } answered && answered != call.Model ? $" (answered by {answered})" : string.Empty) + (call.DowngradedFrom is { } from ? $" (downgraded from {from})" : string.Empty));
            Fact(html, "Tokens", $"{call.InputTokens?.ToString("#,0", CultureInfo.InvariantCulture) ?? "?"} in ({call.CachedInputTokens ?? 0:#,0} cached), {call.OutputTokens?.ToString("#,0", CultureInfo.InvariantCulture) ?? "?"} out" + (call.UsageEstimated ? " (estimated)" : string.Empty));
            Fact(html, "Cost", call.Cost is { } cost ? DashboardFormat.Usd(cost) + (call.PriceSource is { } source ? $" ({source})" : string.Empty) : "unpriced");
            Fact(html, "Latency", DashboardFormat.Duration(call.Latency) + (call.TimeToFirstToken is { } ttft ? $", first token after {DashboardFormat.Duration(ttft)}" : string.Empty));
            Fact(html, "Finish reason", call.FinishReason ?? "-");
            Fact(html, "Tools called", call.ToolsCalled.Count == 0 ? "none" : string.Join(", ", call.ToolsCalled));
            if (!call.Success)
            {
                Fact(html, "Error", $"{call.ErrorType}: {call.Error}");
            }

            html.Raw("</dl>");
            Content(html, "Input", call.InputContent);
            Content(html, "Output", call.OutputContent);
            html.Raw("</div>");
        }

        html.Element("h2", "Feedback");
        if (feedback.Count == 0)
        {
            html.Element("p", "No feedback was given on this request.", "note");
            return;
        }

        html.Raw("<div class=\"scroll\"><table id=\"feedback\">").HeaderRow("Signal", "Value", "Comment", "Given by", "When").Raw("<tbody>");
        foreach (var signal in feedback)
        {
            html.Raw("<tr>").Cell(signal.Name).Cell(signal.Category ?? signal.Score?.ToString("0.###", CultureInfo.InvariantCulture))
                .Cell(signal.Comment ?? "-").Cell(signal.GivenBy ?? "-").Cell(DashboardFormat.Time(signal.Timestamp), cssClass: "nowrap").Raw("</tr>");
        }

        html.Raw("</tbody></table></div>");
    }

    private static async Task RecentFailuresAsync(DashboardPage page, ICallStore store, CancellationToken cancellationToken)
    {
        var html = page.Body;
        html.Element("h2", "Recent failed calls");
        var failed = await store.QueryAsync(new CallQuery { From = page.Now.AddDays(-7), Success = false, Limit = 25 }, cancellationToken).ConfigureAwait(false);
        if (failed.Count == 0)
        {
            html.Element("p", "No call failed in the last 7 days. Paste a request id above (PromptOps returns it on every response and logs it with every call).", "note");
            return;
        }

        html.Raw("<div class=\"scroll\"><table id=\"failures\">").HeaderRow("When", "Request", "Feature", "Model", "Error").Raw("<tbody>");
        foreach (var call in failed)
        {
            html.Raw("<tr>").Cell(DashboardFormat.Time(call.Timestamp), cssClass: "nowrap").Raw("<td>").Link(page.Url("/requests", "id=" + Uri.EscapeDataString(call.RequestId)), call.RequestId).Raw("</td>")
                .Cell(call.Feature).Cell(call.Model ?? "-").Cell($"{call.ErrorType}: {call.Error}").Raw("</tr>");
        }

        html.Raw("</tbody></table></div>");
    }

    private static void Fact(Html html, string name, string? value) => html.Element("dt", name).Element("dd", value);

    private static void Content(Html html, string name, string? content)
    {
        html.Element("h3", name);
        if (content is null)
        {
            html.Element("p", "Not recorded (PromptOps:Calls:ContentCapture is Off, or the call failed before it).", "note");
            return;
        }

        html.Element("pre", content);
    }
}
