namespace PromptOps;

/// <summary>Settings of the dashboard that <see cref="PromptOpsDashboardEndpointRouteBuilderExtensions.MapPromptOpsDashboard"/> maps.</summary>
public sealed class PromptOpsDashboardOptions
{
    /// <summary>
    /// Gets or sets the authorization policy a user must satisfy to take an action from the dashboard: activate a version,
    /// roll back, approve a request or abort a rollout. The policy applies on top of whatever the dashboard's group requires
    /// for reading (so reading and acting can be granted to different people).
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: the dashboard is read-only, shows no action forms and refuses every
    /// action with 403. Name a policy registered with <c>AddAuthorization</c> to turn actions on; they then also need
    /// antiforgery services (<c>builder.Services.AddAntiforgery()</c>) and a signed-in user, whose name is recorded.
    /// </value>
    public string? ActionsPolicy { get; set; }

    /// <summary>Gets or sets the title shown in the page header and the browser tab.</summary>
    /// <value>The default value is <c>PromptOps</c>.</value>
    public string Title { get; set; } = "PromptOps";
}
