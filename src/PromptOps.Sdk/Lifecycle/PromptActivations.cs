namespace PromptOps;

/// <summary>The <see cref="IPromptActivations"/> of <c>AddPromptOps()</c>: checks against the served library, records, and serves at once here.</summary>
internal sealed class PromptActivations(IPromptCatalog catalog, IActivationLog log, ActivationWatcher watcher, TimeProvider timeProvider) : IPromptActivations
{
    public async Task<PromptActivation> ActivateAsync(string promptId, string version, string environment, string reason, string? activatedBy = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(promptId);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (!PromptOpsOptionsValidator.IsEnvironmentName(environment))
        {
            throw new ArgumentException($"'{environment}' is not a valid environment name. Use letters, digits, '.', '-' or '_', for example production.", nameof(environment));
        }

        if (!LabelsFileParser.TryParseText(version, out var variants, out var salt, out var problem))
        {
            throw new PromptOpsException($"Cannot activate {promptId} '{version}' in {environment}: {problem}");
        }

        var id = promptId.ToLowerInvariant();
        var label = new PromptLabel(environment, id, variants, salt);
        var library = catalog is PromptCatalog served ? served.Library : null;
        if (library is not null)
        {
            var problems = new List<PromptDiagnostic>();
            LabelValidation.Check(label, library.GetVersions, library.Ids, "activation", problems);
            if (problems.Where(d => d.IsError).Select(d => d.Message).ToList() is { Count: > 0 } errors)
            {
                throw new PromptOpsException($"Cannot activate {promptId} '{version}' in {environment}: {string.Join(" ", errors)}");
            }
        }

        var current = catalog is PromptCatalog c && c.ServedEnvironment.Equals(environment, StringComparison.OrdinalIgnoreCase) ? c.ServedLabelOf(id) : null;
        var activation = new PromptActivation
        {
            PromptId = id,
            Environment = environment,
            FromVersion = current,
            ToVersion = label.ToString(),
            ActivatedBy = string.IsNullOrWhiteSpace(activatedBy) ? Environment.UserName : activatedBy,
            Timestamp = timeProvider.GetUtcNow(),
            Reason = reason,
            Kind = PromptActivationKind.Activated,
        };
        await log.RecordAsync(activation, cancellationToken).ConfigureAwait(false);
        await watcher.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return activation;
    }
}
