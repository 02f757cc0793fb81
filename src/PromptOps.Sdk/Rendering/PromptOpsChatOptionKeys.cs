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

    /// <summary>The attribution key for cost and budgets (string).</summary>
    public const string Feature = "promptops.feature";
}
