namespace PromptOps;

/// <summary>Where a guarded rollout stands, as read from the activation log.</summary>
public sealed class PromptRolloutStatus
{
    /// <summary>Gets the rollout's id: the id of the activation log entry that started it (or requested it, while it awaits approval).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the prompt id.</summary>
    public required string PromptId { get; init; }

    /// <summary>Gets the environment.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets the version served before the rollout, and again after a rollback or an abort.</summary>
    public required string FromVersion { get; init; }

    /// <summary>Gets the version being rolled out.</summary>
    public required string ToVersion { get; init; }

    /// <summary>Gets the plan.</summary>
    public required PromptRolloutPlan Plan { get; init; }

    /// <summary>Gets the state.</summary>
    public required PromptRolloutState State { get; init; }

    /// <summary>Gets the percentage of users served <see cref="ToVersion"/> now (0 after a rollback or an abort).</summary>
    public required int Share { get; init; }

    /// <summary>Gets who started (or requested) the rollout.</summary>
    public required string StartedBy { get; init; }

    /// <summary>Gets when it started (or was requested).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when its current step began, or when it ended.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets when the guard decides the next step, while <see cref="State"/> is <see cref="PromptRolloutState.Running"/>.</summary>
    public DateTimeOffset? NextStepAt { get; init; }

    /// <summary>Gets the reason recorded with the latest entry of the rollout: a step's guard numbers, the breach of a rollback, an abort's reason.</summary>
    public string? LastReason { get; init; }

    /// <summary>Gets who recorded the latest entry of the rollout: <c>rollout</c> for a step, <c>guard</c> for an automatic rollback, a person for an abort.</summary>
    public required string LastBy { get; init; }
}

/// <summary>The state of a guarded rollout.</summary>
public enum PromptRolloutState
{
    /// <summary>Requested in an environment that requires approval; nothing is served until someone else approves it.</summary>
    PendingApproval,

    /// <summary>Serving the new version to <see cref="PromptRolloutStatus.Share"/>% of users; the guard decides the next step at <see cref="PromptRolloutStatus.NextStepAt"/>.</summary>
    Running,

    /// <summary>Every user is served the new version.</summary>
    Completed,

    /// <summary>The guard found the new version worse and switched everyone back to the old one.</summary>
    RolledBack,

    /// <summary>Someone aborted it; everyone is served the old version.</summary>
    Aborted,

    /// <summary>A later activation of the prompt in the environment replaced it before it ended.</summary>
    Superseded,
}
