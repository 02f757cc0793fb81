namespace PromptOps;

/// <summary>
/// Switches what an environment serves, for every instance attached to the same activation log (the SQLite or PostgreSQL
/// store): the API behind <c>promptops activate</c>, for teams that build their own admin page. Registered by <c>AddPromptOps()</c>.
/// </summary>
/// <remarks>
/// An activation overrides <c>labels.yaml</c> and configuration (<c>PromptOps:Labels</c>) until the next activation of that
/// prompt in that environment. This instance serves it when <see cref="ActivateAsync"/> returns; the others when they next
/// read the log (<see cref="PromptOpsOptions.ActivationPollInterval"/>, or at once with PostgreSQL). An instance whose library
/// lacks the version keeps serving what it served, and logs why.
/// </remarks>
public interface IPromptActivations
{
    /// <summary>
    /// Checks that this application can serve the version, records the activation, and serves it here; in an environment that
    /// requires approval (<see cref="PromptOpsEnvironmentOptions.RequireApproval"/>) it records a request instead
    /// (<see cref="PromptActivationKind.Requested"/>), served once someone else approves it with <see cref="ApproveAsync"/>.
    /// </summary>
    /// <param name="promptId">The prompt id.</param>
    /// <param name="version">The version (<c>2.0.0</c>) or an A/B split (<c>2.1.0:90, 2.2.0:10</c>); published versions only.</param>
    /// <param name="environment">The environment, for example <c>production</c>.</param>
    /// <param name="reason">Why, for the audit trail; required.</param>
    /// <param name="activatedBy">Who; <see langword="null"/> for the current user name.</param>
    /// <param name="cancellationToken">Cancels the activation.</param>
    /// <returns>The activation as recorded; check <see cref="PromptActivation.Kind"/> to tell an activation from a request.</returns>
    /// <exception cref="PromptOpsException">The prompt, version or environment is unknown, or the version is a draft, or the text is not a version; the message says which.</exception>
    /// <exception cref="ArgumentException">The environment name or reason is empty or invalid.</exception>
    Task<PromptActivation> ActivateAsync(string promptId, string version, string environment, string reason, string? activatedBy = null, CancellationToken cancellationToken = default);

    /// <summary>Approves a request (an activation or a rollout in an environment that requires approval), which makes it live.</summary>
    /// <param name="requestId">The request's <see cref="PromptActivation.Id"/>.</param>
    /// <param name="approvedBy">Who approves: not the requester.</param>
    /// <param name="cancellationToken">Cancels the approval.</param>
    /// <returns>The activation recorded for the approval; its <see cref="PromptActivation.RelatesTo"/> is the request.</returns>
    /// <exception cref="PromptOpsException">The request is unknown, not a request, already approved, superseded by a later entry, or approved by its requester.</exception>
    Task<PromptActivation> ApproveAsync(string requestId, string approvedBy, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a guarded rollout: serves <paramref name="version"/> to the plan's first share of users (the same users at every
    /// step), and lets the instances grow the share step by step while the guard finds the new version no worse than the one it
    /// replaces, or roll back by themselves when it does. In an environment that requires approval it records a request.
    /// </summary>
    /// <param name="promptId">The prompt id.</param>
    /// <param name="version">The published version to roll out.</param>
    /// <param name="environment">The environment; it must serve one version of the prompt now.</param>
    /// <param name="plan">The steps, interval and guard.</param>
    /// <param name="reason">Why, for the audit trail; required.</param>
    /// <param name="startedBy">Who; <see langword="null"/> for the current user name.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The entry that starts (or requests) the rollout; its <see cref="PromptActivation.Id"/> is the rollout's id.</returns>
    /// <exception cref="PromptOpsException">The version or environment is unknown, the plan or guard is invalid, or the prompt already has a rollout running or awaiting approval.</exception>
    Task<PromptActivation> StartRolloutAsync(string promptId, string version, string environment, PromptRolloutPlan plan, string reason, string? startedBy = null, CancellationToken cancellationToken = default);

    /// <summary>Stops the running rollout of a prompt and serves the version it started from to everyone.</summary>
    /// <param name="promptId">The prompt id.</param>
    /// <param name="environment">The environment.</param>
    /// <param name="reason">Why, for the audit trail; required.</param>
    /// <param name="abortedBy">Who; <see langword="null"/> for the current user name.</param>
    /// <param name="cancellationToken">Cancels the abort.</param>
    /// <returns>The activation recorded for the abort.</returns>
    /// <exception cref="PromptOpsException">No rollout of the prompt is running in the environment.</exception>
    Task<PromptActivation> AbortRolloutAsync(string promptId, string environment, string reason, string? abortedBy = null, CancellationToken cancellationToken = default);

    /// <summary>Reads every rollout from the activation log, oldest first.</summary>
    /// <param name="promptId">Only this prompt, or <see langword="null"/> for all.</param>
    /// <param name="environment">Only this environment, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The rollouts and where each stands.</returns>
    Task<IReadOnlyList<PromptRolloutStatus>> GetRolloutsAsync(string? promptId = null, string? environment = null, CancellationToken cancellationToken = default);
}
