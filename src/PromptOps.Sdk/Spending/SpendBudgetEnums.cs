namespace PromptOps;

/// <summary>What a spend budget counts: all calls, or the calls of one feature, user, tenant or model.</summary>
public enum SpendBudgetScope
{
    /// <summary>Every call of the application.</summary>
    Global,

    /// <summary>The calls of a feature (<see cref="PromptOpsContext.Feature"/>, else the prompt's feature).</summary>
    Feature,

    /// <summary>The calls of an end user (<see cref="PromptOpsContext.UserId"/>); calls without a user are not counted.</summary>
    User,

    /// <summary>The calls of a tenant (<see cref="PromptOpsContext.TenantId"/>); calls without a tenant are not counted.</summary>
    Tenant,

    /// <summary>The calls to a model (the requested model id).</summary>
    Model,
}

/// <summary>The calendar period a spend budget resets on, in <see cref="PromptOpsSpendingOptions.TimeZone"/>.</summary>
public enum SpendBudgetPeriod
{
    /// <summary>From midnight to midnight.</summary>
    Day,

    /// <summary>From Monday midnight to the next Monday midnight (ISO 8601 weeks).</summary>
    Week,

    /// <summary>From midnight on the first of the month to midnight on the first of the next month.</summary>
    Month,
}

/// <summary>What happens to a call whose worst-case cost does not fit what is left of a spend budget.</summary>
public enum SpendLimitAction
{
    /// <summary>Throw <see cref="SpendBudgetExceededException"/> before the call is sent: the budget is never overspent.</summary>
    Block,

    /// <summary>Send the call and count its cost; the alerts (at the 1.0 threshold and above) are the signal.</summary>
    Warn,

    /// <summary>
    /// Send the call to <see cref="SpendBudget.DowngradeModel"/> instead, and count its cost. The cheaper model keeps
    /// serving past the limit; pair it with a <see cref="Block"/> budget when spend must stop entirely.
    /// </summary>
    Downgrade,
}

/// <summary>What a spend budget does when its ledger (for example the SQLite file) cannot be read or written.</summary>
public enum SpendLedgerFailureMode
{
    /// <summary>Send the call unchecked and log the problem once per episode: an unavailable ledger does not take the application down.</summary>
    Allow,

    /// <summary>Refuse the call with <see cref="SpendBudgetExceededException"/>: nothing is spent that cannot be counted.</summary>
    Block,
}
