using System.Globalization;

namespace PromptOps;

/// <summary>
/// Thrown by <c>UseSpendBudget()</c> before a call is sent when its worst-case cost does not fit what is left of a
/// <see cref="SpendLimitAction.Block"/> budget (or when the ledger is unavailable and
/// <see cref="PromptOpsSpendingOptions.OnLedgerFailure"/> is <see cref="SpendLedgerFailureMode.Block"/>).
/// </summary>
public sealed class SpendBudgetExceededException : PromptOpsException
{
    /// <summary>Initializes a new instance of the <see cref="SpendBudgetExceededException"/> class.</summary>
    /// <param name="budget">The name of the budget that refused the call.</param>
    /// <param name="scope">What the budget counts.</param>
    /// <param name="scopeValue">The feature, user, tenant or model counted, or <c>*</c>.</param>
    /// <param name="period">The budget's period.</param>
    /// <param name="periodEnd">When the period ends and the budget resets.</param>
    /// <param name="limitUsd">The limit per period.</param>
    /// <param name="spentUsd">What was spent in the period.</param>
    /// <param name="reservedUsd">What calls in flight had reserved.</param>
    /// <param name="requestedUsd">The worst-case cost of the refused call.</param>
    /// <param name="model">The model of the refused call, or <see langword="null"/>.</param>
    public SpendBudgetExceededException(string budget, SpendBudgetScope scope, string scopeValue, SpendBudgetPeriod period, DateTimeOffset periodEnd, decimal limitUsd, decimal spentUsd, decimal reservedUsd, decimal requestedUsd, string? model)
        : base(BuildMessage(budget, scope, scopeValue, period, periodEnd, limitUsd, spentUsd, reservedUsd, requestedUsd, model))
    {
        Budget = budget;
        Scope = scope;
        ScopeValue = scopeValue;
        Period = period;
        PeriodEnd = periodEnd;
        LimitUsd = limitUsd;
        SpentUsd = spentUsd;
        ReservedUsd = reservedUsd;
        RequestedUsd = requestedUsd;
        Model = model;
    }

    /// <summary>Initializes a new instance of the <see cref="SpendBudgetExceededException"/> class for a call refused because the ledger failed.</summary>
    /// <param name="message">What failed and how to fix it.</param>
    /// <param name="innerException">The ledger's exception.</param>
    internal SpendBudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
        Budget = string.Empty;
        ScopeValue = string.Empty;
    }

    /// <summary>Gets the name of the budget that refused the call (empty when the ledger failed).</summary>
    public string Budget { get; }

    /// <summary>Gets what the budget counts.</summary>
    public SpendBudgetScope Scope { get; }

    /// <summary>Gets the feature, user, tenant or model counted, or <c>*</c> for a global budget.</summary>
    public string ScopeValue { get; }

    /// <summary>Gets the budget's period.</summary>
    public SpendBudgetPeriod Period { get; }

    /// <summary>Gets when the period ends and the budget resets.</summary>
    public DateTimeOffset PeriodEnd { get; }

    /// <summary>Gets the limit per period in USD.</summary>
    public decimal LimitUsd { get; }

    /// <summary>Gets what was spent in the period.</summary>
    public decimal SpentUsd { get; }

    /// <summary>Gets what calls still in flight had reserved.</summary>
    public decimal ReservedUsd { get; }

    /// <summary>Gets the worst-case cost of the refused call.</summary>
    public decimal RequestedUsd { get; }

    /// <summary>Gets the model of the refused call, or <see langword="null"/>.</summary>
    public string? Model { get; }

    private static string BuildMessage(string budget, SpendBudgetScope scope, string scopeValue, SpendBudgetPeriod period, DateTimeOffset periodEnd, decimal limit, decimal spent, decimal reserved, decimal requested, string? model)
    {
        var what = scope == SpendBudgetScope.Global ? "all calls" : $"{scope.ToString().ToLowerInvariant()} '{scopeValue}'";
        var on = model is null ? string.Empty : $" on {model}";
        return string.Create(CultureInfo.InvariantCulture,
            $"The {period.ToString().ToLowerInvariant()} spend budget '{budget}' ({what}) has ${spent:0.######} spent and ${reserved:0.######} reserved of its ${limit:0.######} until {periodEnd:yyyy-MM-dd HH:mm} UTC; this call could cost up to ${requested:0.######}{on}. ")
            + $"Wait for the period to reset, lower the call's max output tokens, or raise PromptOps:Spending:Budgets:{budget}:LimitUsd.";
    }
}
