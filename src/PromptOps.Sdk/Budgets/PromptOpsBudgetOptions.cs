using System.ComponentModel.DataAnnotations;

namespace PromptOps;

/// <summary>Token budgets per request, bound from <c>PromptOps:Budgets</c>.</summary>
/// <remarks>
/// The limit of a call is, in order: <see cref="Features"/>[feature].<see cref="FeatureTokenBudget.MaxTokensPerRequest"/>,
/// then the prompt file's <c>budget.max_tokens_per_request</c>, then <see cref="MaxTokensPerRequest"/>. Configuration comes
/// first so that operators can tighten or relax a budget without a redeploy. A call with no limit is not checked.
/// </remarks>
public sealed class PromptOpsBudgetOptions
{
    /// <summary>Gets or sets the limit for calls whose feature and prompt set none, or <see langword="null"/> for no limit.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    [Range(1, int.MaxValue)]
    public int? MaxTokensPerRequest { get; set; }

    /// <summary>Gets or sets what happens when a request would exceed its limit.</summary>
    /// <value>The default value is <see cref="TokenBudgetPolicy.Reject"/>.</value>
    public TokenBudgetPolicy Policy { get; set; } = TokenBudgetPolicy.Reject;

    /// <summary>Gets or sets the share of the limit at or above which a completed call raises a budget alert.</summary>
    /// <value>The default value is 0.9 (90%).</value>
    [Range(0.01, 1.0)]
    public double AlertThreshold { get; set; } = 0.9;

    /// <summary>Gets the budgets per feature, keyed by feature name (case-insensitive), for example <c>customer_support</c>.</summary>
    public Dictionary<string, FeatureTokenBudget> Features { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>The token budget of one feature, bound from <c>PromptOps:Budgets:Features:&lt;feature&gt;</c>.</summary>
public sealed class FeatureTokenBudget
{
    /// <summary>Gets or sets the maximum input plus output tokens of one request of this feature.</summary>
    public int? MaxTokensPerRequest { get; set; }

    /// <summary>Gets or sets the policy for this feature, or <see langword="null"/> for <see cref="PromptOpsBudgetOptions.Policy"/>.</summary>
    public TokenBudgetPolicy? Policy { get; set; }

    /// <summary>Gets or sets the alert threshold for this feature, or <see langword="null"/> for <see cref="PromptOpsBudgetOptions.AlertThreshold"/>.</summary>
    public double? AlertThreshold { get; set; }
}
