using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>Prices a call once its usage is known, reports the cost to the <c>promptops.cost</c> metric and returns it on the response.</summary>
internal sealed class CallPricer(ModelPricing pricing, ITokenCounter tokenCounter)
{
    /// <summary>Prices the call from its usage (estimated when the provider reported none); does nothing once priced.</summary>
    public void Price(PromptCallState state)
    {
        if (state.CostResolved)
        {
            return;
        }

        state.EnsureUsage(tokenCounter);
        var tokens = TokenUsage.From(state.Usage!);
        state.Cost = pricing.TryPrice(state.ResponseModel ?? state.Model, state.Provider, state.Endpoint, tokens, out var source, out var clamped);
        if (state.Cost is null && state.ResponseModel is not null && state.Model is not null && state.Model != state.ResponseModel)
        {
            state.Cost = pricing.TryPrice(state.Model, state.Provider, state.Endpoint, tokens, out source, out clamped);
        }

        state.PriceSource = source;
        state.UsageClamped |= clamped;
        state.CostResolved = true;
    }

    /// <summary>Adds the call's cost to the <c>promptops.cost</c> metric, once per call.</summary>
    public static void ReportCost(PromptCallState state)
    {
        if (state.Cost is { } cost && state.TryMarkCostReported() && PromptOpsTelemetry.Cost.Enabled)
        {
            // Tags without a value are left out: a null-valued tag is a separate, empty series in most backends.
            var tags = new System.Diagnostics.TagList { { PromptOpsTelemetry.FeatureAttribute, state.Feature } };
            if (state.Model is { } model)
            {
                tags.Add(GenAI.RequestModel, model);
            }

            if (state.PromptId is { } promptId)
            {
                tags.Add(PromptOpsTelemetry.PromptIdAttribute, promptId);
                if (state.PromptVersion is { } version)
                {
                    tags.Add(PromptOpsTelemetry.PromptVersionAttribute, version);
                }
            }

            PromptOpsTelemetry.Cost.Add((double)cost, tags);
        }
    }

    /// <summary>Returns the cost (and whether usage was estimated) on a response or update.</summary>
    public static void Annotate(AdditionalPropertiesDictionary properties, PromptCallState state)
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
