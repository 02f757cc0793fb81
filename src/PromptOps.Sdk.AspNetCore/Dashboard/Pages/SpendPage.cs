namespace PromptOps.Dashboard.Pages;

/// <summary>The first page: totals of the period, every budget's current period against its limit, and cost per day.</summary>
internal static class SpendPage
{
    public static async Task WriteAsync(DashboardPage page, CancellationToken cancellationToken)
    {
        if (page.Store is not { } store)
        {
            page.NoStore();
            return;
        }

        var range = RangeFilter.Write(page, "/");
        var query = new CallQuery { From = range.From, To = range.To };
        var days = await store.AggregateAsync(query, [CallGrouping.Day], cancellationToken).ConfigureAwait(false);
        var budgets = await store.GetBudgetSpendAsync(page.Now.AddDays(-92), null, cancellationToken).ConfigureAwait(false);

        long calls = days.Sum(d => d.Calls), errors = days.Sum(d => d.Errors), unpriced = days.Sum(d => d.UnpricedCalls);
        var cost = days.Sum(d => d.Cost);
        var html = page.Body;
        html.Raw("<div class=\"tiles\">");
        Tile(html, DashboardFormat.Usd(cost), "cost", "total-cost");
        Tile(html, DashboardFormat.Count(calls), "calls", "total-calls");
        Tile(html, calls == 0 ? "-" : DashboardFormat.Share((double)errors / calls), "errors", "error-rate");
        Tile(html, calls == 0 ? "-" : DashboardFormat.Usd(cost / Math.Max(1, calls - unpriced)), "per priced call", "cost-per-call");
        Tile(html, DashboardFormat.Count(unpriced), "unpriced calls", "unpriced");
        html.Raw("</div>");

        html.Element("h2", "Budgets: the current period");
        var current = budgets.GroupBy(b => (b.Budget, b.ScopeValue)).Select(g => g.MaxBy(b => b.PeriodStart)!)
            .OrderByDescending(b => b.Share ?? 0).ThenBy(b => b.Budget, StringComparer.Ordinal).ThenBy(b => b.ScopeValue, StringComparer.Ordinal).ToList();
        if (current.Count == 0)
        {
            html.Element("p", "No budget has spent anything in the last three months. Budgets are set under PromptOps:Budgets (see docs/budgets-and-cost.md); their spend appears here once a call is charged.", "note");
        }
        else
        {
            html.Raw("<div class=\"scroll\"><table id=\"budgets\">").HeaderRow("Budget", "Scope", "Period", "Started", "#Spent", "#Limit", "#Used", "");
            html.Raw("<tbody>");
            foreach (var budget in current)
            {
                html.Raw("<tr>").Cell(budget.Budget).Cell(string.Equals(budget.Scope, "global", StringComparison.OrdinalIgnoreCase) ? "all" : $"{budget.Scope} {budget.ScopeValue}")
                    .Cell(budget.Period).Cell(DashboardFormat.Time(budget.PeriodStart), cssClass: "nowrap")
                    .Cell(DashboardFormat.Usd(budget.SpentUsd), numeric: true)
                    .Cell(budget.LimitUsd is { } limit ? DashboardFormat.Usd(limit) : "-", numeric: true)
                    .Cell(budget.Share is { } share ? DashboardFormat.Share(share) : "-", numeric: true);
                html.Raw("<td>").Bar(budget.Share ?? 0, budget.Share switch { >= 1 => "bad", >= 0.8 => "warn", _ => null }).Raw("</td></tr>");
            }

            html.Raw("</tbody></table></div>");
        }

        html.Element("h2", "Cost per day (UTC)");
        if (days.Count == 0)
        {
            html.Element("p", $"No calls were recorded in {range.Description}.", "note");
            return;
        }

        var highest = days.Max(d => d.Cost);
        html.Raw("<div class=\"scroll\"><table id=\"days\">").HeaderRow("Day", "#Calls", "#Errors", "#Cost", "").Raw("<tbody>");
        foreach (var day in days.Reverse())
        {
            html.Raw("<tr>").Cell(day.Keys[0]).Cell(DashboardFormat.Count(day.Calls), numeric: true).Cell(DashboardFormat.Share(day.ErrorRate), numeric: true)
                .Cell(DashboardFormat.Usd(day.Cost), numeric: true).Raw("<td>").Bar(highest == 0 ? 0 : (double)(day.Cost / highest)).Raw("</td></tr>");
        }

        html.Raw("</tbody></table></div>");
    }

    private static void Tile(Html html, string value, string label, string id) =>
        html.Open("div", ("class", "tile"), ("id", id)).Element("div", value, "value").Element("div", label, "label").Close("div");
}
