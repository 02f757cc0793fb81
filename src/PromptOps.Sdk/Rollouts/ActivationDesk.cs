namespace PromptOps;

/// <summary>
/// The rules of activation, in one place for <see cref="IPromptActivations"/> and the CLI: what may be activated, when an
/// environment needs approval, who may approve, and how rollouts start and stop. Every decision is appended to the log with
/// <see cref="IActivationLog.TryRecordAsync"/>, so that two people (or instances) acting at once never both succeed on a state
/// only one of them saw.
/// </summary>
/// <param name="log">The activation log.</param>
/// <param name="library">The prompts this application can serve; versions are checked against it.</param>
/// <param name="requiresApproval">Whether an environment requires approval (<c>PromptOps:Environments:&lt;env&gt;:RequireApproval</c>).</param>
/// <param name="servedWithoutActivation">What an environment serves of a prompt when the log has no activation of it (labels, configuration, or the highest published version).</param>
/// <param name="knownEnvironments">The environments named in labels, configuration or settings; an environment also becomes known once the log has an entry for it.</param>
/// <param name="timeProvider">The clock for timestamps.</param>
internal sealed class ActivationDesk(
    IActivationLog log,
    PromptLibrary library,
    Func<string, bool> requiresApproval,
    Func<string, string, string?> servedWithoutActivation,
    IEnumerable<string> knownEnvironments,
    TimeProvider timeProvider)
{
    private readonly HashSet<string> _knownEnvironments = new(knownEnvironments.Concat(library.Labels.Select(l => l.Environment)), StringComparer.OrdinalIgnoreCase);

    private const int Attempts = 5;

    public async Task<PromptActivation> ActivateAsync(string promptId, string version, string environment, string reason, string? by, CancellationToken cancellationToken)
    {
        var (id, label) = Check(promptId, version, environment, reason);
        for (var attempt = 1; ; attempt++)
        {
            var history = await log.GetHistoryAsync(id, environment, cancellationToken).ConfigureAwait(false);
            await CheckKnownAsync(environment, history, cancellationToken).ConfigureAwait(false);
            var entry = new PromptActivation
            {
                PromptId = id,
                Environment = environment,
                FromVersion = Current(history, id, environment),
                ToVersion = label.ToString(),
                ActivatedBy = Who(by),
                Timestamp = timeProvider.GetUtcNow(),
                Reason = reason,
                Kind = requiresApproval(environment) ? PromptActivationKind.Requested : PromptActivationKind.Activated,
            };
            if (await log.TryRecordAsync(entry, ActivationFilter.LatestDecisionId(history, id, environment), cancellationToken).ConfigureAwait(false))
            {
                return entry;
            }

            Retry(attempt, id, environment);
        }
    }

    public async Task<PromptActivation> ApproveAsync(string requestId, string by, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestId);
        if (string.IsNullOrWhiteSpace(by))
        {
            throw new PromptOpsException($"Say who approves {requestId}: approvals are recorded by name (--by).");
        }

        var all = await log.GetHistoryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var request = all.FirstOrDefault(a => a.Id.Equals(requestId.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new PromptOpsException($"There is no activation request '{requestId}' in the activation log. 'promptops labels --history --store ...' lists every entry with its id.");
        if (request.Kind != PromptActivationKind.Requested)
        {
            throw new PromptOpsException($"{request.Id} is not a request awaiting approval: it is an {ActivationKindText.Of(request.Kind)} entry ({request}). Only requests made in an environment that requires approval are approved.");
        }

        var history = ActivationFilter.Apply(all, request.PromptId, request.Environment);
        if (history.FirstOrDefault(a => a.Kind == PromptActivationKind.Activated && a.RelatesTo == request.Id) is { } approval)
        {
            throw new PromptOpsException($"{request.Id} was already approved by {approval.ActivatedBy} at {approval.Timestamp:u} ({approval.Id}); it is not approved twice.");
        }

        if (string.Equals(request.ActivatedBy.Trim(), by.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw new PromptOpsException($"{request.Id} was requested by {request.ActivatedBy}, who cannot approve it: a protected environment needs a second person. Ask someone else to run 'promptops approve {request.Id} --by <name>'.");
        }

        var latest = ActivationFilter.LatestDecisionId(history, request.PromptId, request.Environment);
        if (latest != request.Id)
        {
            var newer = history.Last(a => a.Id == latest);
            throw new PromptOpsException($"{request.Id} ({request.PromptId} {request.ToVersion} in {request.Environment}) is superseded by a later {ActivationKindText.Of(newer.Kind)} entry {newer.Id} ({newer}); approve that one if it is pending, or request again.");
        }

        // The version must still be servable by this application: a request is not a way around the library's checks.
        var (_, label) = Check(request.PromptId, request.ToVersion, request.Environment, request.Reason ?? "approval");
        var entry = new PromptActivation
        {
            PromptId = request.PromptId,
            Environment = request.Environment,
            FromVersion = Current(history, request.PromptId, request.Environment),
            ToVersion = label.ToString(),
            ActivatedBy = by.Trim(),
            Timestamp = timeProvider.GetUtcNow(),
            Reason = $"approved {request.Id}, requested by {request.ActivatedBy} at {request.Timestamp:u}: {request.Reason}",
            Kind = PromptActivationKind.Activated,
            RelatesTo = request.Id,
            Rollout = request.Rollout,
        };
        if (!await log.TryRecordAsync(entry, request.Id, cancellationToken).ConfigureAwait(false))
        {
            throw new PromptOpsException($"{request.Id} was approved or superseded by someone else while you approved it; run 'promptops labels --history --prompt {request.PromptId} --env {request.Environment}' to see what happened.");
        }

        return entry;
    }

    public async Task<PromptActivation> StartRolloutAsync(string promptId, string version, string environment, PromptRolloutPlan plan, string reason, string? by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var (id, label) = Check(promptId, version, environment, reason);
        if (label.IsSplit)
        {
            throw new PromptOpsException($"A rollout rolls out one version; '{version}' is a split. Name the version to roll out, for example {label.Variants[^1].Version}.");
        }

        plan.Validate();
        for (var attempt = 1; ; attempt++)
        {
            var history = await log.GetHistoryAsync(id, environment, cancellationToken).ConfigureAwait(false);
            await CheckKnownAsync(environment, history, cancellationToken).ConfigureAwait(false);
            if (RolloutHistory.Read(history).FirstOrDefault(r => r.State is PromptRolloutState.Running or PromptRolloutState.PendingApproval) is { } busy)
            {
                throw new PromptOpsException($"{id} already has a rollout {(busy.State == PromptRolloutState.Running ? "running" : "awaiting approval")} in {environment}: {busy.Id} ({busy.FromVersion} -> {busy.ToVersion}, {busy.Share}%). One rollout per prompt at a time: wait for it, or stop it with 'promptops rollout abort {id} --env {environment} --reason ...'.");
            }

            var current = Current(history, id, environment)
                ?? throw new PromptOpsException($"{environment} serves no version of {id} to roll out from. Activate one first.");
            if (!LabelsFileParser.TryParseText(current, out var currentVariants, out _, out _) || currentVariants.Count != 1)
            {
                throw new PromptOpsException($"{environment} serves {id} as the split '{current}'. A rollout starts from one version: activate the version to start from first.");
            }

            var from = currentVariants[0].Version;
            if (from == label.Variants[0].Version)
            {
                throw new PromptOpsException($"{environment} already serves {id} {from}; there is nothing to roll out.");
            }

            var entryId = ActivationIds.New();
            var entry = new PromptActivation
            {
                Id = entryId,
                PromptId = id,
                Environment = environment,
                FromVersion = from,
                ToVersion = RolloutHistory.StepLabel(from, label.Variants[0].Version, plan.Steps[0], entryId),
                ActivatedBy = Who(by),
                Timestamp = timeProvider.GetUtcNow(),
                Reason = reason,
                Kind = requiresApproval(environment) ? PromptActivationKind.Requested : PromptActivationKind.Activated,
                Rollout = plan.ToString(),
            };
            if (await log.TryRecordAsync(entry, ActivationFilter.LatestDecisionId(history, id, environment), cancellationToken).ConfigureAwait(false))
            {
                return entry;
            }

            Retry(attempt, id, environment);
        }
    }

    public async Task<PromptActivation> AbortRolloutAsync(string promptId, string environment, string reason, string? by, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(promptId);
        CheckEnvironmentAndReason(environment, reason);
        var id = promptId.ToLowerInvariant();
        for (var attempt = 1; ; attempt++)
        {
            var history = await log.GetHistoryAsync(id, environment, cancellationToken).ConfigureAwait(false);
            var running = RolloutHistory.Read(history).LastOrDefault(r => r.State == PromptRolloutState.Running)
                ?? throw new PromptOpsException($"No rollout of {id} is running in {environment}. 'promptops rollout status --env {environment}' shows every rollout; to switch versions, use 'promptops activate'.");
            var entry = new PromptActivation
            {
                PromptId = id,
                Environment = environment,
                FromVersion = Current(history, id, environment),
                ToVersion = running.FromVersion,
                ActivatedBy = Who(by),
                Timestamp = timeProvider.GetUtcNow(),
                Reason = $"rollout {running.Id} aborted at {running.Share}%: {reason}",
                Kind = PromptActivationKind.Activated,
                RelatesTo = running.Id,
            };
            if (await log.TryRecordAsync(entry, ActivationFilter.LatestDecisionId(history, id, environment), cancellationToken).ConfigureAwait(false))
            {
                return entry;
            }

            Retry(attempt, id, environment);
        }
    }

    public async Task<IReadOnlyList<PromptRolloutStatus>> GetRolloutsAsync(string? promptId, string? environment, CancellationToken cancellationToken) =>
        RolloutHistory.Read(await log.GetHistoryAsync(promptId?.ToLowerInvariant(), environment, cancellationToken).ConfigureAwait(false));

    /// <summary>What an environment serves of a prompt now: its latest activation, or what it serves without one.</summary>
    public string? Current(IReadOnlyList<PromptActivation> history, string promptId, string environment) =>
        history.LastOrDefault(a => a.Kind == PromptActivationKind.Activated && a.PromptId == promptId && a.Environment.Equals(environment, StringComparison.OrdinalIgnoreCase))?.ToVersion
        ?? servedWithoutActivation(promptId, environment);

    private (string Id, PromptLabel Label) Check(string promptId, string version, string environment, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(promptId);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        CheckEnvironmentAndReason(environment, reason);
        if (!LabelsFileParser.TryParseText(version, out var variants, out var salt, out var problem))
        {
            throw new PromptOpsException($"Cannot activate {promptId} '{version}' in {environment}: {problem}");
        }

        var id = promptId.ToLowerInvariant();
        var label = new PromptLabel(environment, id, variants, salt);
        var problems = new List<PromptDiagnostic>();
        LabelValidation.Check(label, library.GetVersions, library.Ids, "activation", problems);
        if (problems.Where(d => d.IsError).Select(d => d.Message).ToList() is { Count: > 0 } errors)
        {
            throw new PromptOpsException($"Cannot activate {promptId} '{version}' in {environment}: {string.Join(" ", errors)}");
        }

        return (id, label);
    }

    /// <summary>Refuses an environment nothing has named: a typo such as <c>prodution</c> would otherwise record an activation no instance serves.</summary>
    private async Task CheckKnownAsync(string environment, IReadOnlyList<PromptActivation> history, CancellationToken cancellationToken)
    {
        if (_knownEnvironments.Contains(environment) || history.Count > 0)
        {
            return;
        }

        var logged = (await log.GetHistoryAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Select(a => a.Environment);
        var known = _knownEnvironments.Concat(logged).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
        if (known.Contains(environment, StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        var suggestion = KeySuggester.Nearest(environment, known);
        throw new PromptOpsException(
            $"The environment '{environment}' is unknown: no label, setting or earlier activation names it.{(suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?")} "
            + $"Known environments: {(known.Count > 0 ? string.Join(", ", known) : "none")}. To use a new environment, name it in labels.yaml or in configuration (PromptOps:Environments:{environment}).");
    }

    private static void CheckEnvironmentAndReason(string environment, string reason)
    {
        if (!PromptOpsOptionsValidator.IsEnvironmentName(environment))
        {
            throw new ArgumentException($"'{environment}' is not a valid environment name. Use letters, digits, '.', '-' or '_', for example production.", nameof(environment));
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException("Say why (the reason is recorded in the audit trail), for example \"rollback: refunds answered wrongly (INC-4312)\".", nameof(reason));
        }
    }

    private static string Who(string? by) => string.IsNullOrWhiteSpace(by) ? Environment.UserName : by.Trim();

    private static void Retry(int attempt, string id, string environment)
    {
        if (attempt >= Attempts)
        {
            throw new PromptOpsException($"The activation log entries of {id} in {environment} kept changing while this was recorded ({Attempts} attempts); try again.");
        }
    }
}
