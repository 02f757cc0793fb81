using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>
/// Enforces the token budget of each request before it is sent, and raises a budget alert after a call that used at least
/// the alert threshold of its budget.
/// </summary>
/// <remarks>
/// The limit comes from <c>PromptOps:Budgets:Features:&lt;feature&gt;:MaxTokensPerRequest</c>, else from the prompt file's
/// <c>budget.max_tokens_per_request</c>, else from <c>PromptOps:Budgets:MaxTokensPerRequest</c>; changes to the configuration
/// apply to the next call. When the prompt uses skills, the sum of their <c>max_tokens</c> is added to the limit. The request
/// needs its estimated input tokens (messages and tool definitions) plus its maximum output tokens. Over the limit, the policy
/// decides: <see cref="TokenBudgetPolicy.Reject"/> throws <see cref="TokenBudgetExceededException"/>,
/// <see cref="TokenBudgetPolicy.ClampOutput"/> lowers the maximum output tokens to what is left (and sets them when the request
/// set none), <see cref="TokenBudgetPolicy.Warn"/> logs and sends. A request without a maximum output is checked on its input
/// alone, except under ClampOutput.
/// </remarks>
internal sealed partial class TokenBudgetEnforcer(IOptionsMonitor<PromptOpsOptions> options, ITokenCounter tokenCounter, ILogger<TokenBudgetEnforcer> logger)
{
    /// <summary>Checks the request against its token limit before it is sent: rejects, clamps or warns as the policy says.</summary>
    public void Check(PromptCallState state)
    {
        var budgets = options.CurrentValue.Budgets;
        budgets.Features.TryGetValue(state.Feature, out var feature);
        var limit = feature?.MaxTokensPerRequest ?? state.PromptMaxTokensPerRequest ?? budgets.MaxTokensPerRequest;
        if (limit is { } baseLimit && state.SkillTokens > 0)
        {
            // Tool definitions and results of the prompt's skills consume tokens: each skill's max_tokens widens the limit.
            limit = (int)Math.Min(int.MaxValue, (long)baseLimit + state.SkillTokens);
        }

        if (limit is not { } max)
        {
            return;
        }

        state.TokenLimit = max;
        state.AlertThreshold = feature?.AlertThreshold ?? budgets.AlertThreshold;
        var policy = feature?.Policy ?? budgets.Policy;
        var requestedOutput = state.Options.MaxOutputTokens;

        // A request whose upper bound fits needs no exact count: most calls, far from their limit, never tokenize. The bound
        // from text lengths is tried first, then the one that reads the texts.
        var counter = tokenCounter;
        var maxInput = (long)max - (requestedOutput ?? 0);
        if ((requestedOutput is not null || policy != TokenBudgetPolicy.ClampOutput)
            && (state.InputTokensAtMostQuickly(counter) <= maxInput || state.InputTokensAtMost(counter) <= maxInput))
        {
            return;
        }

        var input = state.ExactInputTokens(counter);
        var requested = (long)input + (requestedOutput ?? 0);
        if (policy == TokenBudgetPolicy.ClampOutput)
        {
            if (input >= max)
            {
                Reject(state, max, input, requestedOutput);
            }

            var allowed = max - input;
            if (requestedOutput is null || requestedOutput > allowed)
            {
                state.Options.MaxOutputTokens = allowed;
                LogClamped(logger, state.Feature, requestedOutput, allowed, input, max);
            }

            return;
        }

        if (requested <= max)
        {
            return;
        }

        if (policy == TokenBudgetPolicy.Warn)
        {
            LogOverBudget(logger, state.Feature, requested, max, state.PromptId);
            return;
        }

        Reject(state, max, input, requestedOutput);
    }

    private void Reject(PromptCallState state, int limit, int input, int? requestedOutput)
    {
        PromptOpsTelemetry.BudgetRejections.Add(1, new KeyValuePair<string, object?>(PromptOpsTelemetry.FeatureAttribute, state.Feature));
        var exception = new TokenBudgetExceededException(state.Feature, limit, input, requestedOutput, state.PromptId);
        LogRejected(logger, exception.Message);
        throw exception;
    }

    /// <summary>Raises the budget alert when the call used at least the alert threshold of its limit.</summary>
    public void AlertIfNearLimit(PromptCallState state)
    {
        if (state.TokenLimit is not { } limit)
        {
            return;
        }

        state.EnsureUsage(tokenCounter);
        var used = (state.Usage!.InputTokenCount ?? 0) + (state.Usage.OutputTokenCount ?? 0);
        if (used >= state.AlertThreshold * limit)
        {
            PromptOpsTelemetry.BudgetAlerts.Add(1, new KeyValuePair<string, object?>(PromptOpsTelemetry.FeatureAttribute, state.Feature));
            LogBudgetAlert(logger, state.Feature, used, limit, (double)used / limit, state.RequestId);
        }
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void LogRejected(ILogger logger, string message);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Debug, Message = "Token budget of feature '{Feature}': max output tokens lowered from {RequestedOutput} to {AllowedOutput} so that {InputTokens} input tokens fit the limit of {Limit}.")]
    private static partial void LogClamped(ILogger logger, string feature, int? requestedOutput, int allowedOutput, int inputTokens, int limit);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Warning, Message = "The request for feature '{Feature}' (prompt {PromptId}) needs {Requested} tokens, over its budget of {Limit}; sent anyway because the policy is Warn.")]
    private static partial void LogOverBudget(ILogger logger, string feature, long requested, int limit, string? promptId);

    [LoggerMessage(EventId = 2304, Level = LogLevel.Warning, Message = "Token budget alert: request {RequestId} of feature '{Feature}' used {Used} of its {Limit} tokens ({Share:P0}).")]
    private static partial void LogBudgetAlert(ILogger logger, string feature, long used, int limit, double share, string requestId);
}
