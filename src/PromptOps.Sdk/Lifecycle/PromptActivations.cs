using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>The <see cref="IPromptActivations"/> of <c>AddPromptOps()</c>: the rules of <see cref="ActivationDesk"/> over the served library, then served at once here.</summary>
internal sealed class PromptActivations(IPromptCatalog catalog, IActivationLog log, ActivationWatcher watcher, IOptionsMonitor<PromptOpsOptions> options, TimeProvider timeProvider) : IPromptActivations
{
    public async Task<PromptActivation> ActivateAsync(string promptId, string version, string environment, string reason, string? activatedBy = null, CancellationToken cancellationToken = default)
    {
        var activation = await Desk().ActivateAsync(promptId, version, environment, reason, activatedBy, cancellationToken).ConfigureAwait(false);
        await watcher.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return activation;
    }

    public async Task<PromptActivation> ApproveAsync(string requestId, string approvedBy, CancellationToken cancellationToken = default)
    {
        var activation = await Desk().ApproveAsync(requestId, approvedBy, cancellationToken).ConfigureAwait(false);
        await watcher.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return activation;
    }

    public async Task<PromptActivation> StartRolloutAsync(string promptId, string version, string environment, PromptRolloutPlan plan, string reason, string? startedBy = null, CancellationToken cancellationToken = default)
    {
        var activation = await Desk().StartRolloutAsync(promptId, version, environment, plan, reason, startedBy, cancellationToken).ConfigureAwait(false);
        await watcher.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return activation;
    }

    public async Task<PromptActivation> AbortRolloutAsync(string promptId, string environment, string reason, string? abortedBy = null, CancellationToken cancellationToken = default)
    {
        var activation = await Desk().AbortRolloutAsync(promptId, environment, reason, abortedBy, cancellationToken).ConfigureAwait(false);
        await watcher.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return activation;
    }

    public Task<IReadOnlyList<PromptRolloutStatus>> GetRolloutsAsync(string? promptId = null, string? environment = null, CancellationToken cancellationToken = default) =>
        Desk().GetRolloutsAsync(promptId, environment, cancellationToken);

    private ActivationDesk Desk()
    {
        var library = catalog is PromptCatalog served
            ? served.Library
            : throw new PromptOpsException("Activations need the prompt catalog of AddPromptOps(); a replaced IPromptCatalog cannot check what it serves.");
        var current = options.CurrentValue;
        return ForLibrary(log, library, current, timeProvider);
    }

    /// <summary>The desk for a library and settings: what the CLI uses too, with the settings it read from configuration.</summary>
    internal static ActivationDesk ForLibrary(IActivationLog log, PromptLibrary library, PromptOpsOptions options, TimeProvider timeProvider) => new(
        log,
        library,
        environment => options.Environments.TryGetValue(environment, out var settings) && settings?.RequireApproval == true,
        (id, environment) => ConfiguredLabel(options, environment, id) ?? library.FindLabel(environment, id)?.ToString() ?? library.FindDefault(id, allowDrafts: false)?.Version.ToString(),
        options.Environments.Keys.Concat(options.Labels.Keys).Append(string.IsNullOrWhiteSpace(options.Environment) ? "production" : options.Environment),
        timeProvider);

    private static string? ConfiguredLabel(PromptOpsOptions options, string environment, string id) =>
        options.Labels.TryGetValue(environment, out var prompts) && prompts is not null
            ? prompts.FirstOrDefault(p => p.Key.Equals(id, StringComparison.OrdinalIgnoreCase)).Value
            : null;
}
