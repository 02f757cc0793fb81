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
/// <remarks>
/// In every mode no call waits on the ledger longer than <see cref="PromptOpsSpendingOptions.LedgerTimeout"/>, and the cost of
/// every call settled while the ledger is unavailable is kept in the process and added to the ledger when it answers again.
/// </remarks>
public enum SpendLedgerFailureMode
{
    /// <summary>
    /// Keep enforcing every budget in this process, from the totals the ledger last reported plus what this process has spent
    /// and holds since. Other instances' spend during the outage is not visible, so a fleet can together exceed a limit by what
    /// each instance spends of what was left when it last heard from the ledger.
    /// </summary>
    EnforceLocally,

    /// <summary>Send calls unchecked while the ledger is unavailable (their cost is still counted and reconciled).</summary>
    Allow,

    /// <summary>Refuse every call with <see cref="SpendBudgetExceededException"/> while the ledger is unavailable.</summary>
    Block,
}
