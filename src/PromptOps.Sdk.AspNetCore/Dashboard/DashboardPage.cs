using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace PromptOps.Dashboard;

/// <summary>One request for a dashboard page: what the page reads, the body it writes, and the status it answers with.</summary>
internal sealed class DashboardPage(HttpContext context, PromptOpsDashboardOptions options, string basePath)
{
    public HttpContext Context { get; } = context;

    public PromptOpsDashboardOptions Options { get; } = options;

    /// <summary>Gets the dashboard's path from the site root, without a trailing slash.</summary>
    public string BasePath { get; } = basePath;

    public Html Body { get; set; } = new();

    public int Status { get; set; } = StatusCodes.Status200OK;

    public IServiceProvider Services => Context.RequestServices;

    public DateTimeOffset Now => (Services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();

    /// <summary>Gets the call store, or <see langword="null"/> when the app registered none.</summary>
    public ICallStore? Store => Services.GetService<ICallStore>();

    /// <summary>Gets whether the dashboard offers actions (a policy is named for them).</summary>
    public bool ActionsEnabled => Options.ActionsPolicy is not null;

    /// <summary>Gets whether the current user satisfies the actions policy, so the page shows the action forms.</summary>
    public async Task<bool> CanActAsync() =>
        Options.ActionsPolicy is { } policy
        && Services.GetService<IAuthorizationService>() is { } authorization
        && (await authorization.AuthorizeAsync(Context.User, policy).ConfigureAwait(false)).Succeeded;

    /// <summary>A link to a dashboard path, under the app's path base (<c>UsePathBase</c>) when it has one.</summary>
    public string Url(string path, string? query = null) => Context.Request.PathBase + BasePath + path + (string.IsNullOrEmpty(query) ? string.Empty : "?" + query);

    public string Query(string name) => Context.Request.Query[name].ToString();

    /// <summary>Writes a card saying what is wrong and what to do, and answers with a status.</summary>
    public void Problem(int status, string title, string message)
    {
        Status = status;
        Body.Open("div", "card error").Element("h2", title).Element("p", message).Close("div");
    }

    /// <summary>Writes a card telling how to give the dashboard a store.</summary>
    public void NoStore() => Problem(
        StatusCodes.Status503ServiceUnavailable,
        "No call store",
        "The dashboard reads the records of a store, and this app registered none. Add one: builder.Services.AddPromptOps(...).AddSqliteStore(\"Data Source=promptops.db\") on one host, or .AddPostgreSqlStore(...) for a fleet.");

    /// <summary>Writes a form's opening tag with its antiforgery token.</summary>
    public void OpenForm(string action, string cssClass)
    {
        Body.Open("form", ("method", "post"), ("action", Url(action)), ("class", cssClass));
        var tokens = Services.GetRequiredService<IAntiforgery>().GetAndStoreTokens(Context);
        Body.Hidden(tokens.FormFieldName, tokens.RequestToken);
    }
}
