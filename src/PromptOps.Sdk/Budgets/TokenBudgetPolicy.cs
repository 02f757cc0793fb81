namespace PromptOps;

/// <summary>What <c>UseTokenBudget()</c> does when a request's estimated input plus requested output exceeds its token limit.</summary>
public enum TokenBudgetPolicy
{
    /// <summary>Throw <see cref="TokenBudgetExceededException"/> before anything is sent.</summary>
    Reject,

    /// <summary>Lower the request's maximum output tokens so the request fits; reject when the input alone does not fit.</summary>
    ClampOutput,

    /// <summary>Log a warning and send the request unchanged.</summary>
    Warn,
}
