namespace PromptOps;

/// <summary>
/// One spend budget in USD, bound from <c>PromptOps:Spending:Budgets:&lt;name&gt;</c>: what it counts, over which calendar
/// period, its limit, when it alerts and what it does at the limit.
/// </summary>
/// <example>
/// A daily budget of $1000 for the whole application, alerting at 50%, 90% and 100%:
/// <code>
/// "PromptOps": { "Spending": { "TimeZone": "Europe/Berlin", "Budgets": {
///   "daily": { "Scope": "Global", "Period": "Day", "LimitUsd": 1000 },
///   "support": { "Scope": "Feature", "Match": "customer_support", "Period": "Month", "LimitUsd": 2000,
///                "Action": "Downgrade", "DowngradeModel": "gpt-4o-mini" },
///   "per-user": { "Scope": "User", "Period": "Day", "LimitUsd": 5, "AlertThresholds": [ 0.8, 1.0 ] } } } }
/// </code>
/// </example>
public sealed class SpendBudget
{
    /// <summary>Gets or sets what the budget counts.</summary>
    /// <value>The default value is <see cref="SpendBudgetScope.Global"/>.</value>
    public SpendBudgetScope Scope { get; set; } = SpendBudgetScope.Global;

    /// <summary>
    /// Gets or sets the one feature, user, tenant or model the budget applies to (case-insensitive), or <see langword="null"/>
    /// for a separate budget of the same size for each of them (each user gets their own $5 a day).
    /// </summary>
    public string? Match { get; set; }

    /// <summary>Gets or sets the calendar period the budget resets on.</summary>
    /// <value>The default value is <see cref="SpendBudgetPeriod.Day"/>.</value>
    public SpendBudgetPeriod Period { get; set; } = SpendBudgetPeriod.Day;

    /// <summary>Gets or sets the limit in USD per period; must be greater than zero.</summary>
    public decimal LimitUsd { get; set; }

    /// <summary>
    /// Gets or sets the shares of the limit at which an alert fires, each once per period and scope, or
    /// <see langword="null"/> for 0.5, 0.9 and 1.0.
    /// </summary>
    public IList<double>? AlertThresholds { get; set; }

    /// <summary>Gets or sets what happens to a call whose worst-case cost does not fit what is left.</summary>
    /// <value>The default value is <see cref="SpendLimitAction.Block"/>.</value>
    public SpendLimitAction Action { get; set; } = SpendLimitAction.Block;

    /// <summary>Gets or sets the cheaper model calls are sent to under <see cref="SpendLimitAction.Downgrade"/>.</summary>
    public string? DowngradeModel { get; set; }

    /// <summary>The thresholds that apply when none are configured.</summary>
    internal static readonly double[] DefaultThresholds = [0.5, 0.9, 1.0];

    /// <summary>Gets the configured thresholds, or the defaults (read on every settled call, so nothing is copied).</summary>
    internal IList<double> EffectiveThresholds => AlertThresholds is { Count: > 0 } configured ? configured : DefaultThresholds;
}
