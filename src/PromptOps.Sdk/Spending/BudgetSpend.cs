namespace PromptOps;

/// <summary>What one spend budget spent in one period for one scope value, against its configured limit.</summary>
/// <param name="Budget">The budget's name.</param>
/// <param name="Scope">What the budget counts (<c>Global</c>, <c>Feature</c>, <c>User</c>, <c>Tenant</c> or <c>Model</c>).</param>
/// <param name="ScopeValue">The feature, user, tenant or model, or <c>*</c>.</param>
/// <param name="Period">The period (<c>Day</c>, <c>Week</c> or <c>Month</c>).</param>
/// <param name="PeriodStart">When the period began (UTC).</param>
/// <param name="LimitUsd">The limit as last configured, or <see langword="null"/> when the budget is no longer configured.</param>
/// <param name="SpentUsd">What the calls of the period cost.</param>
public sealed record BudgetSpend(string Budget, string Scope, string ScopeValue, string Period, DateTimeOffset PeriodStart, decimal? LimitUsd, decimal SpentUsd)
{
    /// <summary>Gets the share of the limit spent (0.9 is 90%), or <see langword="null"/> without a limit.</summary>
    public double? Share => LimitUsd is > 0 and { } limit ? (double)(SpentUsd / limit) : null;
}
