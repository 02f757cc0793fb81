namespace PromptOps;

/// <summary>
/// The keys under which a <see cref="RenderedPrompt"/> stores its <see cref="PromptReference"/> in
/// <c>ChatOptions.AdditionalProperties</c>, for middleware and for your own code.
/// </summary>
public static class PromptOpsChatOptionKeys
{
    /// <summary>The <see cref="PromptReference"/> object itself.</summary>
    public const string Prompt = "promptops.prompt";

    /// <summary>The prompt id (string).</summary>
    public const string PromptId = "promptops.prompt.id";

    /// <summary>The prompt version (string).</summary>
    public const string PromptVersion = "promptops.prompt.version";

    /// <summary>The A/B variant name (string), when there is one.</summary>
    public const string PromptVariant = "promptops.prompt.variant";

    /// <summary>The environment label that chose the version (string), when a label did.</summary>
    public const string PromptLabel = "promptops.prompt.label";

    /// <summary>The attribution key for cost and budgets (string).</summary>
    public const string Feature = "promptops.feature";

    /// <summary>The prompt file's <c>budget.max_tokens_per_request</c> (int), when it declares one; read by <c>UseTokenBudget()</c>.</summary>
    public const string MaxTokensPerRequest = "promptops.budget.max_tokens_per_request";

    /// <summary>The sum of the <c>max_tokens</c> of the skills the prompt uses (int), when any sets one; added to the request's token limit.</summary>
    public const string SkillTokens = "promptops.budget.skill_tokens";
}

/// <summary>The keys PromptOps adds to <c>ChatResponse.AdditionalProperties</c> for the caller.</summary>
/// <remarks>
/// In a stream they are set on the updates instead: the request id on the first update, the cost on the update that carries
/// the provider's usage (or on one final update without content). <c>ToChatResponse()</c> collects update properties into
/// the properties of the last message, <c>response.Messages[^1].AdditionalProperties</c>.
/// </remarks>
public static class PromptOpsResponseKeys
{
    /// <summary>The request id of the call (string): quote it when a user reports a problem, and look it up with <c>promptops calls</c>.</summary>
    public const string RequestId = "promptops.request_id";

    /// <summary>The cost of the call in USD (decimal), set by <c>UseCostTracking()</c> when the model has a known price.</summary>
    public const string CostUsd = "promptops.cost.usd";

    /// <summary><see langword="true"/> (bool) when the token counts behind the cost are PromptOps' estimate because the provider reported no usage.</summary>
    public const string UsageEstimated = "promptops.usage.estimated";
}
