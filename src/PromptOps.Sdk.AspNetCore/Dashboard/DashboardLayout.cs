namespace PromptOps.Dashboard;

/// <summary>The frame around every page: title, navigation and the stylesheet.</summary>
internal static class DashboardLayout
{
    private static readonly (string Path, string Name)[] Navigation =
    [
        ("/", "Spend"),
        ("/cost", "Cost"),
        ("/quality", "Quality"),
        ("/requests", "Requests"),
        ("/activations", "Activations"),
    ];

    public static string Write(DashboardPage page, string current, string heading)
    {
        var html = new Html();
        html.Raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Open("title").Text($"{heading} · {page.Options.Title}").Close("title");
        html.Open("link", ("rel", "stylesheet"), ("href", page.Url("/assets/dashboard.css")));
        html.Open("link", ("rel", "icon"), ("type", "image/svg+xml"), ("href", page.Url("/assets/favicon.svg")));
        html.Raw("</head><body><header>");
        html.Element("span", page.Options.Title, "brand");
        html.Raw("<nav aria-label=\"Dashboard\">");
        foreach (var (path, name) in Navigation)
        {
            html.Open("a", ("href", page.Url(path)), ("aria-current", path == current ? "page" : null)).Text(name).Close("a");
        }

        html.Raw("</nav></header><main>");
        html.Element("h1", heading);
        html.Raw(page.Body.ToString());
        html.Raw("</main></body></html>");
        return html.ToString();
    }
}
