namespace PromptOps;

/// <summary>
/// Reads rollouts out of an activation log's history. A rollout is recorded as entries: the one that starts it (an activation
/// carrying <see cref="PromptActivation.Rollout"/>, whose id is the rollout's), then one activation per step, rollback or
/// abort relating to it (<see cref="PromptActivation.RelatesTo"/>). Its state follows from the latest of them.
/// </summary>
internal static class RolloutHistory
{
    /// <summary>Who records the automatic rollback of a rollout.</summary>
    public const string GuardActor = "guard";

    /// <summary>Who records the steps of a rollout.</summary>
    public const string RolloutActor = "rollout";

    /// <summary>Every rollout in a history (oldest first, as a log returns it), oldest first.</summary>
    public static List<PromptRolloutStatus> Read(IReadOnlyList<PromptActivation> history)
    {
        var rollouts = new List<PromptRolloutStatus>();
        foreach (var group in history.GroupBy(a => (a.PromptId.ToLowerInvariant(), a.Environment.ToLowerInvariant())))
        {
            var entries = group.ToList();
            var latestServed = entries.LastOrDefault(a => a.Kind == PromptActivationKind.Activated);
            var latestDecision = entries.LastOrDefault(a => a.Kind != PromptActivationKind.Observed);
            foreach (var start in entries.Where(a => a.Rollout is not null))
            {
                if (!PromptRolloutPlan.TryParse(start.Rollout!, out var plan, out _) || !TryReadTarget(start, out var target))
                {
                    continue;
                }

                var from = start.FromVersion ?? "?";
                if (start.Kind == PromptActivationKind.Requested)
                {
                    if (entries.Any(a => a.Kind == PromptActivationKind.Activated && a.RelatesTo == start.Id))
                    {
                        continue; // approved: the approval entry is the rollout
                    }

                    rollouts.Add(Status(start, plan, from, target, ReferenceEquals(latestDecision, start) ? PromptRolloutState.PendingApproval : PromptRolloutState.Superseded, 0, start, null));
                    continue;
                }

                if (start.Kind != PromptActivationKind.Activated)
                {
                    continue;
                }

                var last = entries.LastOrDefault(a => a.Kind == PromptActivationKind.Activated && a.RelatesTo == start.Id) ?? start;
                var share = ShareOf(last.ToVersion, target);
                PromptRolloutState state;
                if (share == 100)
                {
                    state = PromptRolloutState.Completed;
                }
                else if (share == 0)
                {
                    state = last.ActivatedBy == GuardActor ? PromptRolloutState.RolledBack : PromptRolloutState.Aborted;
                }
                else
                {
                    state = ReferenceEquals(latestServed, last) ? PromptRolloutState.Running : PromptRolloutState.Superseded;
                }

                rollouts.Add(Status(start, plan, from, target, state, share, last, state == PromptRolloutState.Running ? last.Timestamp + plan.Interval : null));
            }
        }

        return [.. rollouts.OrderBy(r => r.StartedAt)];
    }

    /// <summary>The label that serves <paramref name="share"/>% of users the new version, the rest the old, with the rollout's fixed salt.</summary>
    public static string StepLabel(string from, string to, int share, string salt) =>
        share >= 100 ? to : $"{from}:{100 - share}, {to}:{share}; salt={salt}";

    /// <summary>The version a rollout's first entry rolls out: the second variant of its split, or its only version for a one-step rollout.</summary>
    private static bool TryReadTarget(PromptActivation start, out string target)
    {
        target = string.Empty;
        if (!LabelsFileParser.TryParseText(start.ToVersion, out var variants, out _, out _) || variants.Count is 0 or > 2)
        {
            return false;
        }

        target = variants[^1].Version;
        return true;
    }

    private static int ShareOf(string label, string target) =>
        LabelsFileParser.TryParseText(label, out var variants, out _, out _)
            ? variants.Count == 1 ? (variants[0].Version == target ? 100 : 0) : variants.FirstOrDefault(v => v.Version == target)?.Weight ?? 0
            : 0;

    private static PromptRolloutStatus Status(PromptActivation start, PromptRolloutPlan plan, string from, string target, PromptRolloutState state, int share, PromptActivation last, DateTimeOffset? next) => new()
    {
        Id = start.Id,
        PromptId = start.PromptId,
        Environment = start.Environment,
        FromVersion = from,
        ToVersion = target,
        Plan = plan,
        State = state,
        Share = share,
        StartedBy = start.ActivatedBy,
        StartedAt = start.Timestamp,
        UpdatedAt = last.Timestamp,
        NextStepAt = next,
        LastReason = last.Reason,
        LastBy = last.ActivatedBy,
    };
}
