namespace PromptOps;

/// <summary>
/// One change of the version an environment serves: who made it, when, why, and from which version to which. Kept by an
/// <see cref="IActivationLog"/> for audit and incident review.
/// </summary>
public sealed class PromptActivation
{
    /// <summary>
    /// Gets the entry's id, unique in its log: what <c>promptops approve &lt;id&gt;</c> and <c>promptops rollout abort</c> name.
    /// A new random id (<c>a</c> and 10 letters or digits) unless set.
    /// </summary>
    public string Id { get; init; } = ActivationIds.New();

    /// <summary>Gets the prompt id.</summary>
    public required string PromptId { get; init; }

    /// <summary>Gets the environment whose label changed, for example <c>production</c>.</summary>
    public required string Environment { get; init; }

    /// <summary>
    /// Gets what the environment served before, in label form (<c>2.1.0</c>, or <c>2.1.0:90, 2.2.0:10</c> for a split);
    /// <see langword="null"/> when it had no label and served the highest published version.
    /// </summary>
    public string? FromVersion { get; init; }

    /// <summary>Gets what the environment serves now, in label form.</summary>
    public required string ToVersion { get; init; }

    /// <summary>Gets who made the change: a person, a pipeline, or <c>configuration</c> when a running service saw its settings change.</summary>
    public required string ActivatedBy { get; init; }

    /// <summary>Gets when the change was made.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets why the change was made, for example <c>rollback: refunds answered wrongly (INC-4312)</c>.</summary>
    public string? Reason { get; init; }

    /// <summary>
    /// Gets whether this entry switches what is served (<see cref="PromptActivationKind.Activated"/>: every instance attached
    /// to the log serves it) or records a switch that configuration or <c>labels.yaml</c> made (<see cref="PromptActivationKind.Observed"/>).
    /// </summary>
    /// <value>The default value is <see cref="PromptActivationKind.Activated"/>.</value>
    public PromptActivationKind Kind { get; init; }

    /// <summary>
    /// Gets the id of the entry this one acts on: for an approval, the request it approves; for a step, rollback or abort of a
    /// rollout, the entry that started the rollout. <see langword="null"/> for a plain activation.
    /// </summary>
    public string? RelatesTo { get; init; }

    /// <summary>
    /// Gets the rollout plan this entry starts or requests, in text form (<c>steps=5,25,50,100; interval=30m;
    /// guard=error_rate&lt;=+2pp; min-calls=100</c>), or <see langword="null"/> when it starts none.
    /// </summary>
    public string? Rollout { get; init; }

    /// <summary>Returns a one-line summary.</summary>
    /// <returns>For example <c>2026-11-23T10:00:00Z a7k2m9x4q1 production customer-support 2.1.0 -&gt; 2.0.0 by ann: rollback</c>.</returns>
    public override string ToString() =>
        $"{Timestamp:u} {Id} {(Kind == PromptActivationKind.Requested ? "requested " : string.Empty)}{Environment} {PromptId} {FromVersion ?? "(highest published)"} -> {ToVersion} by {ActivatedBy}{(Reason is null ? string.Empty : ": " + Reason)}";
}

/// <summary>What an entry of the activation log is.</summary>
public enum PromptActivationKind
{
    /// <summary>An activation: the environment serves <see cref="PromptActivation.ToVersion"/> from now on, on every instance attached to the log.</summary>
    Activated,

    /// <summary>A switch a running service saw its configuration or <c>labels.yaml</c> make, recorded for the audit trail only.</summary>
    Observed,

    /// <summary>
    /// A request to activate (or to start a rollout) in an environment that requires approval: nothing is served until someone
    /// else approves it (<c>promptops approve &lt;id&gt;</c>), which records an <see cref="Activated"/> entry relating to it.
    /// </summary>
    Requested,
}
