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
    /// <summary>Checks that this application can serve the version, records the activation, and serves it here.</summary>
    /// <param name="promptId">The prompt id.</param>
    /// <param name="version">The version (<c>2.0.0</c>) or an A/B split (<c>2.1.0:90, 2.2.0:10</c>); published versions only.</param>
    /// <param name="environment">The environment, for example <c>production</c>.</param>
    /// <param name="reason">Why, for the audit trail; required.</param>
    /// <param name="activatedBy">Who; <see langword="null"/> for the current user name.</param>
    /// <param name="cancellationToken">Cancels the activation.</param>
    /// <returns>The activation as recorded.</returns>
    /// <exception cref="PromptOpsException">The prompt or version is unknown, a draft, or the text is not a version; the message says which.</exception>
    /// <exception cref="ArgumentException">The environment name or reason is empty or invalid.</exception>
    Task<PromptActivation> ActivateAsync(string promptId, string version, string environment, string reason, string? activatedBy = null, CancellationToken cancellationToken = default);
}
