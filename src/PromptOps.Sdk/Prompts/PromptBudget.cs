namespace PromptOps;

/// <summary>The token budget a prompt file declares under <c>budget:</c>.</summary>
public sealed class PromptBudget
{
    internal PromptBudget(int? maxTokensPerRequest) => MaxTokensPerRequest = maxTokensPerRequest;

    internal static PromptBudget None { get; } = new(null);

    /// <summary>Gets the maximum input plus output tokens of one request, or <see langword="null"/> for no prompt-level limit.</summary>
    public int? MaxTokensPerRequest { get; }
}
