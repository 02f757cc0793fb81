namespace PromptOps;

/// <summary>
/// Something about a prompt's quality needs attention: a guarded rollout rolled itself back (<see cref="PromptRolloutAlert"/>)
/// or a prompt version's outputs, errors or feedback drifted (<see cref="PromptDriftAlert"/>). Handled by every
/// <see cref="IQualityAlertHandler"/>, including the webhook of <c>AddAlertWebhook(...)</c>, whose JSON carries <see cref="Alert"/>.
/// </summary>
public abstract class PromptQualityAlert
{
    /// <summary>Gets what the alert is about: <c>rollback</c> or <c>drift</c>, so that a webhook receiver can tell alerts apart.</summary>
    public abstract string Alert { get; }

    /// <summary>Gets the prompt id.</summary>
    public required string PromptId { get; init; }

    /// <summary>Gets what was found, with its numbers.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets when the alert was raised.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>A guarded rollout was rolled back automatically: its guard found the new version worse than the one it replaced.</summary>
public sealed class PromptRolloutAlert : PromptQualityAlert
{
    /// <summary>Gets <c>rollback</c>.</summary>
    public override string Alert => "rollback";

    /// <summary>Gets the rollout's id.</summary>
    public required string RolloutId { get; init; }

    /// <summary>Gets the environment.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets the version served again to everyone.</summary>
    public required string FromVersion { get; init; }

    /// <summary>Gets the version that was rolled back.</summary>
    public required string ToVersion { get; init; }

    /// <summary>Gets the share of users the rolled-back version had when the guard stopped it, in percent.</summary>
    public required int Share { get; init; }

    /// <summary>Gets the id of the activation log entry that recorded the rollback.</summary>
    public required string ActivationId { get; init; }
}

/// <summary>A prompt version's recent calls differ from the window before beyond the drift rule (see <c>promptops drift</c>).</summary>
public sealed class PromptDriftAlert : PromptQualityAlert
{
    /// <summary>Gets <c>drift</c>.</summary>
    public override string Alert => "drift";

    /// <summary>Gets the prompt version.</summary>
    public required string PromptVersion { get; init; }

    /// <summary>Gets what drifted: <c>error_rate</c>, <c>finish_length</c>, <c>finish_content_filter</c>, <c>output_tokens</c>, <c>output_chars</c> or <c>feedback &lt;name&gt;</c>.</summary>
    public required string Metric { get; init; }

    /// <summary>Gets the metric in the reference window.</summary>
    public required double ReferenceValue { get; init; }

    /// <summary>Gets the metric in the recent window.</summary>
    public required double RecentValue { get; init; }

    /// <summary>Gets the z statistic of the change.</summary>
    public required double Z { get; init; }

    /// <summary>Gets the calls (or scores) compared in the reference window.</summary>
    public required long ReferenceCount { get; init; }

    /// <summary>Gets the calls (or scores) compared in the recent window.</summary>
    public required long RecentCount { get; init; }
}

/// <summary>
/// Receives quality alerts: automatic rollbacks and drift. Register with <c>services.AddSingleton&lt;IQualityAlertHandler, MyHandler&gt;()</c>;
/// the webhook of <c>AddAlertWebhook(...)</c> is one. Every alert is also logged (events 1042 and 1050).
/// </summary>
/// <remarks>A failing handler is logged and never affects a call or the other handlers.</remarks>
public interface IQualityAlertHandler
{
    /// <summary>Handles one alert; use <see cref="PromptQualityAlert.Alert"/> or a type test to tell them apart.</summary>
    /// <param name="alert">The alert.</param>
    /// <param name="cancellationToken">Signalled when the application stops.</param>
    /// <returns>A task that completes when the alert is handled.</returns>
    ValueTask HandleAsync(PromptQualityAlert alert, CancellationToken cancellationToken);
}
