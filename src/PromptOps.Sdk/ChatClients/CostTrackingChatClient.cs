using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>
/// Prices every call from the usage the provider reports (or PromptOps' estimate when it reports none) and returns the cost
/// in USD on the response under <see cref="PromptOpsResponseKeys.CostUsd"/>, counts it in the <c>promptops.cost</c> metric and
/// hands it to <see cref="CallLoggingChatClient"/> for the call record.
/// </summary>
/// <remarks>
/// <para>Add it with <c>UseCostTracking()</c>, or with <c>UsePromptOps()</c> which places it innermost, next to the provider.</para>
/// <para>Streaming: the cost is set on the update that carries the provider's <see cref="UsageContent"/>; when no usage
/// arrives, one final update without content carries the cost of the estimate. A model with no known price gets no cost
/// (never $0) and one warning per model. Thread-safe.</para>
/// </remarks>
public sealed class CostTrackingChatClient : DelegatingChatClient
{
    private readonly PromptOpsCallServices _services;
    private readonly PromptOpsLayer _layer;

    internal CostTrackingChatClient(IChatClient innerClient, PromptOpsCallServices services)
        : base(innerClient)
    {
        _services = services;
        _layer = new PromptOpsLayer(innerClient, services);
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var state = _layer.Enter(this, messages, ref options, streaming: false, out var list, out var owner);
        var response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        state.Observe(response, this, owner);
        Price(state);
        ReportCost(state);
        Annotate(response.AdditionalProperties ??= [], state);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var state = _layer.Enter(this, messages, ref options, streaming: true, out var list, out var owner);
        var priced = false;
        var sawUpdate = false;
        var completed = false;
        string? lastMessageId = null;
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false))
            {
                sawUpdate = true;
                state.Observe(update, this, owner);

                lastMessageId = update.MessageId ?? lastMessageId;
                if (PromptCallState.CarriesUsage(update))
                {
                    state.CostResolved = false;
                    Price(state);
                    Annotate(update.AdditionalProperties ??= [], state);
                    priced = true;
                }

                yield return update;
            }

            completed = true;
        }
        finally
        {
            if (!completed && sawUpdate)
            {
                // Failed or abandoned halfway: providers bill what they generated, so price the partial output as estimated.
                Price(state);
                ReportCost(state);
            }
        }

        try
        {
            if (!priced)
            {
                Price(state);
                var final = new ChatResponseUpdate { MessageId = lastMessageId, ResponseId = state.ResponseId, ModelId = state.ResponseModel };
                Annotate(final.AdditionalProperties = [], state);
                yield return final;
            }
        }
        finally
        {
            // Also when the consumer stops at the final update, which it may: the cost is on it.
            ReportCost(state);
        }
    }

    /// <summary>Prices the call once its usage is known; shared with the other layers through the call state.</summary>
    internal static void Price(PromptCallState state, PromptOpsCallServices services)
    {
        if (state.CostResolved)
        {
            return;
        }

        state.EnsureUsage(services.TokenCounter);
        var usage = state.Usage!;
        var tokens = new TokenUsage(
            usage.InputTokenCount ?? 0,
            usage.OutputTokenCount ?? 0,
            usage.CachedInputTokenCount ?? 0,
            CacheWriteTokens(usage),
            usage.ReasoningTokenCount ?? 0);
        state.Cost = services.Pricing.TryPrice(state.ResponseModel ?? state.Model, state.Provider, tokens, out var source, out var clamped);
        if (state.Cost is null && state.ResponseModel is not null && state.Model is not null && state.Model != state.ResponseModel)
        {
            state.Cost = services.Pricing.TryPrice(state.Model, state.Provider, tokens, out source, out clamped);
        }

        state.PriceSource = source;
        state.UsageClamped |= clamped;
        state.CostResolved = true;
    }

    /// <summary>Adds the call's cost to the <c>promptops.cost</c> metric, once per call.</summary>
    internal static void ReportCost(PromptCallState state)
    {
        if (state.Cost is { } cost && state.TryMarkCostReported())
        {
            PromptOpsTelemetry.Cost.Add(
                (double)cost,
                new KeyValuePair<string, object?>(PromptOpsTelemetry.FeatureAttribute, state.Feature),
                new KeyValuePair<string, object?>(PromptOpsTelemetry.GenAI.RequestModel, state.Model),
                new KeyValuePair<string, object?>(PromptOpsTelemetry.PromptIdAttribute, state.PromptId),
                new KeyValuePair<string, object?>(PromptOpsTelemetry.PromptVersionAttribute, state.PromptVersion));
        }
    }

    /// <summary>Reads the cache-write count providers put in <see cref="UsageDetails.AdditionalCounts"/> (Anthropic and Bedrock names).</summary>
    internal static long CacheWriteTokens(UsageDetails usage)
    {
        if (usage.AdditionalCounts is not { Count: > 0 } counts)
        {
            return 0;
        }

        foreach (var (key, value) in counts)
        {
            if (key.Equals("CacheCreationInputTokenCount", StringComparison.OrdinalIgnoreCase)
                || key.Equals("CacheCreationInputTokens", StringComparison.OrdinalIgnoreCase)
                || key.Equals("cache_creation_input_tokens", StringComparison.OrdinalIgnoreCase)
                || key.Equals("CacheWriteInputTokens", StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return 0;
    }

    /// <summary>Prices the call once its usage is known.</summary>
    internal void Price(PromptCallState state) => Price(state, _services);

    /// <summary>Returns the cost (and whether usage was estimated) on a response or update.</summary>
    internal static void Annotate(AdditionalPropertiesDictionary properties, PromptCallState state)
    {
        if (state.Cost is { } cost)
        {
            properties[PromptOpsResponseKeys.CostUsd] = cost;
        }

        if (state.UsageEstimated)
        {
            properties[PromptOpsResponseKeys.UsageEstimated] = true;
        }
    }
}
