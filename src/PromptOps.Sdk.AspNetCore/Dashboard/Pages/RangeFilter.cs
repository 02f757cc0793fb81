using Microsoft.AspNetCore.Http;

namespace PromptOps.Dashboard.Pages;

/// <summary>The period picker at the top of the pages that aggregate calls.</summary>
internal static class RangeFilter
{
    /// <summary>Reads the period, writes the picker (and a note when the query was wrong), and returns the period.</summary>
    public static DashboardRange Write(DashboardPage page, string path, string? extraQuery = null)
    {
        var range = DashboardRange.Parse(page.Context.Request.Query, page.Now, out var error);
        if (error is not null)
        {
            page.Status = StatusCodes.Status400BadRequest;
            page.Body.Open("div", "card error").Element("p", error + " Showing the last 7 days instead.").Close("div");
        }

        var html = page.Body;
        html.Raw("<div class=\"filters\">").Element("span", "Period:", "muted");
        foreach (var days in DashboardRange.Choices)
        {
            var query = $"days={days}" + (extraQuery is null ? string.Empty : "&" + extraQuery);
            html.Link(page.Url(path, query), days == 1 ? "24 hours" : $"{days} days", range.Days == days);
        }

        html.Element("span", range.Description, "muted").Raw("</div>");
        return range;
    }
}
