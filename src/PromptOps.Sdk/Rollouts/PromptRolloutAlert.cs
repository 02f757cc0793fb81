namespace PromptOps;

/// <summary>A guarded rollout was rolled back automatically: its guard found the new version worse than the one it replaced.</summary>
public sealed class PromptRolloutAlert
{
    /// <summary>Gets what the alert is about; always <c>rollback</c>, so that a webhook receiver can tell it from a spend alert.</summary>
#pragma warning disable CA1822 // An instance property, so that the webhook's JSON carries it.
    public string Alert => "rollback";
#pragma warning restore CA1822

    /// <summary>Gets the rollout's id.</summary>
    public required string RolloutId { get; init; }

    /// <summary>Gets the prompt id.</summary>
    public required string PromptId { get; init; }

    /// <summary>Gets the environment.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets the version served again to everyone.</summary>
    public required string FromVersion { get; init; }

    /// <summary>Gets the version that was rolled back.</summary>
    public required string ToVersion { get; init; }

    /// <summary>Gets the share of users the rolled-back version had when the guard stopped it, in percent.</summary>
    public required int Share { get; init; }

    /// <summary>Gets the guard's finding, with the numbers that breached it, for example <c>error_rate 12.0% vs 1.0% (+11.0pp, lower bound +8.1pp &gt; +2pp)</c>.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets the id of the activation log entry that recorded the rollback.</summary>
    public required string ActivationId { get; init; }

    /// <summary>Gets when the rollback was recorded.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>
/// Receives automatic rollbacks of guarded rollouts. Register with <c>services.AddSingleton&lt;IRolloutAlertHandler, MyHandler&gt;()</c>;
/// the webhook of <c>AddAlertWebhook(...)</c> receives them too. Every rollback is also logged (event 1042).
/// </summary>
/// <remarks>Only the instance that recorded the rollback raises the alert, once. A failing handler is logged and never affects a call.</remarks>
public interface IRolloutAlertHandler
{
    /// <summary>Handles one alert.</summary>
    /// <param name="alert">The alert.</param>
    /// <param name="cancellationToken">Signalled when the application stops.</param>
    /// <returns>A task that completes when the alert is handled.</returns>
    ValueTask HandleAsync(PromptRolloutAlert alert, CancellationToken cancellationToken);
}
