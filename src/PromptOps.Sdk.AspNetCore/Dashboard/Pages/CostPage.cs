using Microsoft.AspNetCore.Http;

namespace PromptOps.Dashboard.Pages;

/// <summary>Cost broken down by one dimension: feature, model, user, tenant, prompt, prompt version or day.</summary>
internal static class CostPage
{
    /// <summary>The most rows shown; the rest are summed in one line (users can be many).</summary>
    public const int MaxRows = 100;

    private static readonly (string Key, string Name, CallGrouping Grouping)[] Breakdowns =
    [
        ("feature", "Feature", CallGrouping.Feature),
        ("model", "Model", CallGrouping.Model),
        ("user", "User", CallGrouping.User),
        ("tenant", "Tenant", CallGrouping.Tenant),
        ("prompt", "Prompt", CallGrouping.Prompt),
        ("version", "Prompt version", CallGrouping.PromptVersion),
        ("day", "Day", CallGrouping.Day),
    ];

    public static async Task WriteAsync(DashboardPage page, CancellationToken cancellationToken)
    {
        if (page.Store is not { } store)
        {
            page.NoStore();
            return;
        }

        var by = page.Query("by");
        var breakdown = Breakdowns.FirstOrDefault(b => string.Equals(b.Key, string.IsNullOrEmpty(by) ? "feature" : by, StringComparison.OrdinalIgnoreCase));
        var html = page.Body;
        if (breakdown.Key is null)
        {
            page.Problem(StatusCodes.Status400BadRequest, "Unknown breakdown", $"The query parameter 'by' must be one of {string.Join(", ", Breakdowns.Select(b => b.Key))}; it was '{by}'.");
            breakdown = Breakdowns[0];
        }

        html.Raw("<div class=\"filters\">").Element("span", "By:", "muted");
        foreach (var choice in Breakdowns)
        {
            html.Link(page.Url("/cost", "by=" + choice.Key), choice.Name, choice.Key == breakdown.Key);
        }

        html.Raw("</div>");
        var range = RangeFilter.Write(page, "/cost", "by=" + breakdown.Key);
        var groups = await store.AggregateAsync(new CallQuery { From = range.From, To = range.To }, [breakdown.Grouping], cancellationToken).ConfigureAwait(false);
        if (groups.Count == 0)
        {
            html.Element("p", $"No calls were recorded in {range.Description}.", "note");
            return;
        }

        if (breakdown.Grouping == CallGrouping.Day)
        {
            groups = [.. groups.Reverse()];
        }

        var total = groups.Sum(g => g.Cost);
        html.Raw("<div class=\"scroll\"><table id=\"cost\">")
            .HeaderRow(breakdown.Name, "#Calls", "#Errors", "#Input tokens", "#Output tokens", "#Cost", "#Share", "", "#p50", "#p95")
            .Raw("<tbody>");
        foreach (var group in groups.Take(MaxRows))
        {
            html.Raw("<tr>").Cell(group.Keys[0]).Cell(DashboardFormat.Count(group.Calls), numeric: true).Cell(DashboardFormat.Share(group.ErrorRate), numeric: true)
                .Cell(DashboardFormat.Count(group.InputTokens), numeric: true).Cell(DashboardFormat.Count(group.OutputTokens), numeric: true)
                .Cell(DashboardFormat.Usd(group.Cost), numeric: true).Cell(total == 0 ? "-" : DashboardFormat.Share((double)(group.Cost / total)), numeric: true)
                .Raw("<td>").Bar(total == 0 ? 0 : (double)(group.Cost / total)).Raw("</td>")
                .Cell(DashboardFormat.Duration(group.P50Latency), numeric: true).Cell(DashboardFormat.Duration(group.P95Latency), numeric: true).Raw("</tr>");
        }

        if (groups.Count > MaxRows)
        {
            var rest = groups.Skip(MaxRows).ToList();
            html.Raw("<tr>").Cell($"{rest.Count:#,0} more").Cell(DashboardFormat.Count(rest.Sum(g => g.Calls)), numeric: true).Cell(string.Empty)
                .Cell(DashboardFormat.Count(rest.Sum(g => g.InputTokens)), numeric: true).Cell(DashboardFormat.Count(rest.Sum(g => g.OutputTokens)), numeric: true)
                .Cell(DashboardFormat.Usd(rest.Sum(g => g.Cost)), numeric: true).Cell(string.Empty).Cell(string.Empty).Cell(string.Empty).Cell(string.Empty).Raw("</tr>");
        }

        html.Raw("<tr>").Raw("<th>Total</th>").Cell(DashboardFormat.Count(groups.Sum(g => g.Calls)), numeric: true).Cell(string.Empty)
            .Cell(DashboardFormat.Count(groups.Sum(g => g.InputTokens)), numeric: true).Cell(DashboardFormat.Count(groups.Sum(g => g.OutputTokens)), numeric: true)
            .Cell(DashboardFormat.Usd(total), numeric: true).Cell(string.Empty).Cell(string.Empty).Cell(string.Empty).Cell(string.Empty).Raw("</tr>");
        html.Raw("</tbody></table></div>");
        if (groups.Sum(g => g.UnpricedCalls) is > 0 and var unpriced)
        {
            html.Element("p", $"{unpriced:#,0} successful calls used a model without a price and are not in the cost; 'promptops price' and PromptOps:Pricing set one.", "note");
        }
    }
}
