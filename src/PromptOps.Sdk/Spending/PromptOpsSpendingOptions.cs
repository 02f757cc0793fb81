using System.ComponentModel.DataAnnotations;

namespace PromptOps;

/// <summary>Spend budgets in USD per period, bound from <c>PromptOps:Spending</c>; enforced by <c>UseSpendBudget()</c>.</summary>
/// <remarks>
/// Before a call is sent its worst-case cost (estimated input tokens plus its maximum output tokens, at the model's price) is
/// reserved against every budget that counts it; after the call the reservation is replaced by the actual cost. Concurrent
/// calls therefore cannot overspend a <see cref="SpendLimitAction.Block"/> budget. Configuration changes apply to the next call.
/// </remarks>
public sealed class PromptOpsSpendingOptions
{
    /// <summary>Gets or sets the time zone whose calendar the periods follow (IANA or Windows id), or <see langword="null"/> for UTC.</summary>
    public string? TimeZone { get; set; }

    /// <summary>Gets the budgets, keyed by a name of your choice that appears in alerts, errors and reports.</summary>
    public Dictionary<string, SpendBudget> Budgets { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets the maximum output tokens assumed for a call that sets none and whose model's maximum is unknown; the
    /// worst case of such a call is priced with it.
    /// </summary>
    /// <value>The default value is 4,096.</value>
    [Range(1, 10_000_000)]
    public int DefaultMaxOutputTokens { get; set; } = 4_096;

    /// <summary>Gets or sets what a call does when the ledger cannot be read or written in time.</summary>
    /// <value>The default value is <see cref="SpendLedgerFailureMode.EnforceLocally"/>.</value>
    public SpendLedgerFailureMode OnLedgerFailure { get; set; } = SpendLedgerFailureMode.EnforceLocally;

    /// <summary>
    /// Gets or sets the longest a call waits for a shared ledger (the SQLite or PostgreSQL store) to reserve or settle; past it
    /// the ledger counts as unavailable and <see cref="OnLedgerFailure"/> applies until it answers again.
    /// </summary>
    /// <value>The default value is 250 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan LedgerTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Gets or sets how long a reservation may stay unsettled before a persistent ledger releases it (the process that made
    /// it has most likely stopped).
    /// </summary>
    /// <value>The default value is 30 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ReservationTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
