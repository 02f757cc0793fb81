namespace PromptOps;

/// <summary>A spend budget crossed one of its alert thresholds; each fires once per period and scope value.</summary>
public sealed class SpendBudgetAlert
{
    /// <summary>Gets the budget's name.</summary>
    public required string Budget { get; init; }

    /// <summary>Gets what the budget counts.</summary>
    public required SpendBudgetScope Scope { get; init; }

    /// <summary>Gets the feature, user, tenant or model counted, or <c>*</c> for a global budget.</summary>
    public required string ScopeValue { get; init; }

    /// <summary>Gets the budget's period.</summary>
    public required SpendBudgetPeriod Period { get; init; }

    /// <summary>Gets when the period began (UTC).</summary>
    public required DateTimeOffset PeriodStart { get; init; }

    /// <summary>Gets when the period ends (UTC).</summary>
    public required DateTimeOffset PeriodEnd { get; init; }

    /// <summary>Gets the share of the limit this alert is for, for example 0.9.</summary>
    public required double Threshold { get; init; }

    /// <summary>Gets the limit per period in USD.</summary>
    public required decimal LimitUsd { get; init; }

    /// <summary>Gets what was spent in the period when the alert fired.</summary>
    public required decimal SpentUsd { get; init; }

    /// <summary>Gets what the budget does at its limit.</summary>
    public required SpendLimitAction Action { get; init; }

    /// <summary>Gets a value indicating whether the alert fired because a call was refused or downgraded at the limit.</summary>
    public bool LimitReached { get; init; }

    /// <summary>Gets the request whose call crossed the threshold.</summary>
    public required string RequestId { get; init; }

    /// <summary>Gets when the alert fired.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>Receives spend budget alerts. Register with <c>services.AddSingleton&lt;IBudgetAlertHandler, MyHandler&gt;()</c>.</summary>
/// <remarks>
/// Alerts are delivered in the background, one at a time in the order they fired, after the call that crossed the threshold: a slow or failing handler never delays
/// or fails a chat call (its exception is logged). PromptOps registers a handler that logs every alert; the webhook handler
/// (<c>AddAlertWebhook(...)</c>) posts them, signed.
/// </remarks>
public interface IBudgetAlertHandler
{
    /// <summary>Handles one alert.</summary>
    /// <param name="alert">The alert.</param>
    /// <param name="cancellationToken">Signalled when the application stops.</param>
    /// <returns>A task that completes when the alert is handled.</returns>
    ValueTask HandleAsync(SpendBudgetAlert alert, CancellationToken cancellationToken);
}
