namespace PromptOps;

/// <summary>What a <see cref="PromptOpsChatClient"/> does on each call.</summary>
[Flags]
public enum PromptOpsFeatures
{
    /// <summary>Nothing: the client passes calls through.</summary>
    None = 0,

    /// <summary>Records every call (<see cref="PromptCallRecord"/> to the sinks), traces and measures it (<c>UseCallLogging()</c>).</summary>
    CallLogging = 1,

    /// <summary>Checks each request against its token budget before it is sent (<c>UseTokenBudget()</c>).</summary>
    TokenBudget = 2,

    /// <summary>Reserves each call's worst-case cost in the spend budgets and settles the actual cost (<c>UseSpendBudget()</c>).</summary>
    SpendBudget = 4,

    /// <summary>Prices each call and returns the cost on the response (<c>UseCostTracking()</c>).</summary>
    CostTracking = 8,

    /// <summary>Everything (<c>UsePromptOps()</c>).</summary>
    All = CallLogging | TokenBudget | SpendBudget | CostTracking,
}
