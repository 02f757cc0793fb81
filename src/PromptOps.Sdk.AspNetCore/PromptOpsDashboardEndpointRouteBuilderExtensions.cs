using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PromptOps.Dashboard;

namespace PromptOps;

/// <summary>Maps the PromptOps dashboard into an ASP.NET Core app.</summary>
public static class PromptOpsDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the dashboard under a path: spend against budgets, cost by feature, model, user, prompt and day, per-version quality
    /// with A/B comparisons, incident lookup by request id, and activation history (with activate, roll back, approve and abort
    /// actions when <see cref="PromptOpsDashboardOptions.ActionsPolicy"/> names a policy). It reads the store registered with
    /// <c>AddPromptOps().AddSqliteStore(...)</c> or <c>AddPostgreSqlStore(...)</c>; its stylesheet is embedded (nothing is
    /// loaded from another site, and the pages run no script).
    /// </summary>
    /// <param name="endpoints">The app or another endpoint route builder.</param>
    /// <param name="prefix">The path the dashboard is served under, for example <c>/promptops</c>.</param>
    /// <param name="configure">Sets the dashboard's options, or <see langword="null"/>.</param>
    /// <returns>
    /// The dashboard's endpoint group, to protect it like any endpoint, for example
    /// <c>app.MapPromptOpsDashboard("/promptops").RequireAuthorization("PromptOpsViewers")</c>. Without that, anyone who can
    /// reach the app can read the dashboard.
    /// </returns>
    /// <exception cref="InvalidOperationException">Actions are on but the app has no antiforgery services.</exception>
    public static RouteGroupBuilder MapPromptOpsDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/promptops", Action<PromptOpsDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var options = new PromptOpsDashboardOptions();
        configure?.Invoke(options);
        if (options.ActionsPolicy is not null && endpoints.ServiceProvider.GetService<IAntiforgery>() is null)
        {
            throw new InvalidOperationException(
                $"The PromptOps dashboard's actions (policy '{options.ActionsPolicy}') are protected with an antiforgery token, but the app has no antiforgery services. "
                + "Add builder.Services.AddAntiforgery(), or leave PromptOpsDashboardOptions.ActionsPolicy unset for a read-only dashboard.");
        }

        return DashboardEndpoints.Map(endpoints, prefix, options);
    }
}
