using Microsoft.Extensions.AI;

namespace PromptOps.Tests.TestSupport;

/// <summary>Models priced so that spend budget tests count in round dollars: $1 per output token, $0.01 on the cheap model.</summary>
internal static class SpendPrices
{
    public const string Model = "spend-test-model";

    public const string CheapModel = "spend-test-mini";

    /// <summary>Options for a call on <see cref="Model"/> with at most 10 output tokens: a worst case of $10.</summary>
    public static ChatOptions Options() => new() { ModelId = Model, MaxOutputTokens = 10 };

    public static void Configure(PromptOpsOptions o)
    {
        o.Pricing.Models[Model] = new ModelPriceOverride { InputPerMillionTokens = 0m, OutputPerMillionTokens = 1_000_000m };
        o.Pricing.Models[CheapModel] = new ModelPriceOverride { InputPerMillionTokens = 0m, OutputPerMillionTokens = 10_000m };
    }
}
