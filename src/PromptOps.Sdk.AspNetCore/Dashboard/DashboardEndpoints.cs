using System.Data.Common;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptOps.Dashboard.Pages;

namespace PromptOps.Dashboard;

/// <summary>The dashboard's endpoints: five pages, the stylesheet, and the actions (POST, antiforgery, their own policy).</summary>
internal static partial class DashboardEndpoints
{
    /// <summary>The headers of every dashboard response: no script may run, nothing is framed, cached or sniffed.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly Lazy<byte[]> Stylesheet = new(() => Asset("dashboard.css"));

    private static readonly Lazy<byte[]> Icon = new(() => Asset("favicon.svg"));

    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string prefix, PromptOpsDashboardOptions options)
    {
        var basePath = "/" + prefix.Trim('/');
        var group = endpoints.MapGroup(basePath);
        group.ExcludeFromDescription();
        group.MapGet("/", context => RenderAsync(context, options, basePath, "/", "Spend", SpendPage.WriteAsync));
        group.MapGet("/cost", context => RenderAsync(context, options, basePath, "/cost", "Cost", CostPage.WriteAsync));
        group.MapGet("/quality", context => RenderAsync(context, options, basePath, "/quality", "Quality by prompt version", QualityPage.WriteAsync));
        group.MapGet("/requests", context => RenderAsync(context, options, basePath, "/requests", "Requests", RequestsPage.WriteAsync));
        group.MapGet("/activations", context => RenderAsync(context, options, basePath, "/activations", "Activations", ActivationsPage.WriteAsync));
        group.MapGet("/assets/dashboard.css", context => WriteAssetAsync(context, "text/css; charset=utf-8", Stylesheet.Value));
        group.MapGet("/assets/favicon.svg", context => WriteAssetAsync(context, "image/svg+xml", Icon.Value));

        var actions = group.MapGroup("/actions");
        actions.MapPost("/activate", context => ActAsync(context, options, basePath, ActivateAsync));
        actions.MapPost("/approve", context => ActAsync(context, options, basePath, ApproveAsync));
        actions.MapPost("/abort", context => ActAsync(context, options, basePath, AbortAsync));
        if (options.ActionsPolicy is { } policy)
        {
            actions.RequireAuthorization(policy);
        }

        return group;
    }

    private static async Task RenderAsync(HttpContext context, PromptOpsDashboardOptions options, string basePath, string path, string heading, Func<DashboardPage, CancellationToken, Task> write)
    {
        var page = new DashboardPage(context, options, basePath);
        try
        {
            await write(page, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex) && !context.RequestAborted.IsCancellationRequested)
        {
            Log.StoreUnreadable(Logger(context), ex, context.Request.Path);
            page.Body = new Html();
            page.Problem(
                StatusCodes.Status503ServiceUnavailable,
                "The store could not be read",
                $"{ex.Message} The app keeps serving its calls (records wait in memory while the store is away); reload this page when the store is back.");
        }

        await WriteHtmlAsync(context, page.Status, DashboardLayout.Write(page, path, heading)).ConfigureAwait(false);
    }

    private static async Task ActAsync(HttpContext context, PromptOpsDashboardOptions options, string basePath, Func<IPromptActivations, IFormCollection, string, CancellationToken, Task<PromptActivation>> act)
    {
        var page = new DashboardPage(context, options, basePath);
        if (!page.ActionsEnabled)
        {
            await RefuseAsync(page, StatusCodes.Status403Forbidden, "Actions are off", "This dashboard is read-only: PromptOpsDashboardOptions.ActionsPolicy names no authorization policy.").ConfigureAwait(false);
            return;
        }

        if (!context.Request.HasFormContentType)
        {
            await RefuseAsync(page, StatusCodes.Status400BadRequest, "Not a form", "Actions are posted from the dashboard's forms.").ConfigureAwait(false);
            return;
        }

        try
        {
            await context.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            await RefuseAsync(page, StatusCodes.Status400BadRequest, "The form could not be verified", "The form's antiforgery token is missing, expired or was issued to someone else. Reload the activations page and try again.").ConfigureAwait(false);
            return;
        }

        if (context.User.Identity is not { IsAuthenticated: true, Name: { Length: > 0 } user })
        {
            await RefuseAsync(page, StatusCodes.Status403Forbidden, "Sign in first", "Every action is recorded with the name of who took it, and this request has no signed-in user with a name.").ConfigureAwait(false);
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            var recorded = await act(context.RequestServices.GetRequiredService<IPromptActivations>(), form, user, context.RequestAborted).ConfigureAwait(false);
            var logger = Logger(context);
            Log.ActionTaken(logger, user, recorded);
            context.Response.Redirect(page.Url("/activations", "done=" + Uri.EscapeDataString(recorded.Id)));
            context.Response.StatusCode = StatusCodes.Status303SeeOther;
        }
        catch (Exception ex) when (ex is PromptOpsException or ArgumentException)
        {
            await RefuseAsync(page, StatusCodes.Status409Conflict, "Not done", ex.Message).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex) && !context.RequestAborted.IsCancellationRequested)
        {
            Log.StoreUnreadable(Logger(context), ex, context.Request.Path);
            await RefuseAsync(page, StatusCodes.Status503ServiceUnavailable, "The activation log could not be written", ex.Message + " Nothing was recorded; try again when the store is back.").ConfigureAwait(false);
        }
    }

    private static Task<PromptActivation> ActivateAsync(IPromptActivations activations, IFormCollection form, string user, CancellationToken cancellationToken) =>
        activations.ActivateAsync(Field(form, "prompt"), Field(form, "version"), Field(form, "environment"), Field(form, "reason"), user, cancellationToken);

    private static Task<PromptActivation> ApproveAsync(IPromptActivations activations, IFormCollection form, string user, CancellationToken cancellationToken) =>
        activations.ApproveAsync(Field(form, "id"), user, cancellationToken);

    private static Task<PromptActivation> AbortAsync(IPromptActivations activations, IFormCollection form, string user, CancellationToken cancellationToken) =>
        activations.AbortRolloutAsync(Field(form, "prompt"), Field(form, "environment"), "aborted on the dashboard", user, cancellationToken);

    /// <summary>A form field, trimmed; a missing or empty one is refused naming the field.</summary>
    private static string Field(IFormCollection form, string name) =>
        form[name].ToString().Trim() is { Length: > 0 } value ? value : throw new ArgumentException($"The form field '{name}' is required.", name);

    private static async Task RefuseAsync(DashboardPage page, int status, string title, string message)
    {
        page.Problem(status, title, message);
        page.Body.Open("p").Link(page.Url("/activations"), "Back to the activations").Close("p");
        await WriteHtmlAsync(page.Context, page.Status, DashboardLayout.Write(page, "/activations", "Activations")).ConfigureAwait(false);
    }

    private static async Task WriteHtmlAsync(HttpContext context, int status, string html)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        Secure(context.Response);
        await context.Response.WriteAsync(html, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Serves a file embedded in this assembly: the dashboard loads nothing from another site.</summary>
    private static async Task WriteAssetAsync(HttpContext context, string contentType, byte[] content)
    {
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "public, max-age=3600";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        await context.Response.Body.WriteAsync(content, context.RequestAborted).ConfigureAwait(false);
    }

    private static byte[] Asset(string name)
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("PromptOps.Dashboard." + name)
            ?? throw new InvalidOperationException($"The dashboard's {name} is missing from PromptOps.Sdk.AspNetCore.dll.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static void Secure(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
    }

    /// <summary>A store that cannot be read: a database error, a file or network failure, or the store's own exception.</summary>
    private static bool IsStoreFailure(Exception ex) =>
        ex is DbException or IOException or TimeoutException or System.Net.Sockets.SocketException or PromptOpsException;

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("PromptOps.Dashboard") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1060, Level = LogLevel.Warning, Message = "The PromptOps dashboard could not read its store for {Path}")]
        public static partial void StoreUnreadable(ILogger logger, Exception exception, string path);

        [LoggerMessage(EventId = 1061, Level = LogLevel.Information, Message = "PromptOps dashboard action by {User}: {Entry}")]
        public static partial void ActionTaken(ILogger logger, string user, PromptActivation entry);
    }
}
