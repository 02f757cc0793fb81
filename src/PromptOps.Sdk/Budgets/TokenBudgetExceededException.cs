using System.Globalization;

namespace PromptOps;

/// <summary>Thrown by <c>UseTokenBudget()</c> before a request is sent when its estimated tokens exceed the feature's limit.</summary>
public sealed class TokenBudgetExceededException : PromptOpsException
{
    /// <summary>Initializes a new instance of the <see cref="TokenBudgetExceededException"/> class.</summary>
    /// <param name="feature">The feature whose budget applies.</param>
    /// <param name="limit">The maximum input plus output tokens of one request.</param>
    /// <param name="estimatedInputTokens">The estimated input tokens of the request.</param>
    /// <param name="requestedOutputTokens">The maximum output tokens the request asked for, or <see langword="null"/>.</param>
    /// <param name="promptId">The prompt the request came from, or <see langword="null"/>.</param>
    public TokenBudgetExceededException(string feature, int limit, int estimatedInputTokens, int? requestedOutputTokens, string? promptId = null)
        : base(BuildMessage(feature, limit, estimatedInputTokens, requestedOutputTokens, promptId))
    {
        Feature = feature;
        Limit = limit;
        EstimatedInputTokens = estimatedInputTokens;
        RequestedOutputTokens = requestedOutputTokens;
        PromptId = promptId;
    }

    /// <summary>Gets the feature whose budget applies.</summary>
    public string Feature { get; }

    /// <summary>Gets the maximum input plus output tokens of one request.</summary>
    public int Limit { get; }

    /// <summary>Gets the estimated input tokens.</summary>
    public int EstimatedInputTokens { get; }

    /// <summary>Gets the maximum output tokens requested, or <see langword="null"/> when the request set none.</summary>
    public int? RequestedOutputTokens { get; }

    /// <summary>Gets the estimated input plus requested output tokens.</summary>
    public long Requested => (long)EstimatedInputTokens + (RequestedOutputTokens ?? 0);

    /// <summary>Gets the prompt the request came from, or <see langword="null"/>.</summary>
    public string? PromptId { get; }

    private static string BuildMessage(string feature, int limit, int input, int? output, string? promptId)
    {
        var requested = (long)input + (output ?? 0);
        var what = output is null
            ? string.Create(CultureInfo.InvariantCulture, $"{input} estimated input tokens")
            : string.Create(CultureInfo.InvariantCulture, $"{input} estimated input + {output} maximum output = {requested} tokens");
        var prompt = promptId is null ? string.Empty : $" (prompt '{promptId}')";
        return string.Create(CultureInfo.InvariantCulture,
            $"The request for feature '{feature}'{prompt} needs {what}, over its budget of {limit} tokens per request. ")
            + "Shorten the input, lower max_output_tokens, or raise PromptOps:Budgets:Features:" + feature + ":MaxTokensPerRequest.";
    }
}
