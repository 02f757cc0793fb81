using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.ChatClients;

public class CostTrackingTests
{
    [Fact]
    public async Task GetResponseAsync_UnknownModel_CostIsNullAndOneWarningPerModel()
    {
        var inner = Fakes.Replying(usage: new UsageDetails { InputTokenCount = 10, OutputTokenCount = 10 });
        await using var pipeline = Pipeline.Create(inner);
        var options = new ChatOptions { ModelId = "acme-llm-9000" };

        var first = await pipeline.Client.GetResponseAsync("hi", options);
        await pipeline.Client.GetResponseAsync("hi again", options);

        var records = await pipeline.RecordsAsync();
        Assert.All(records, r => Assert.Null(r.Cost));
        Assert.All(records, r => Assert.Null(r.PriceSource));
        Assert.False(first.AdditionalProperties?.ContainsKey(PromptOpsResponseKeys.CostUsd));
        var warnings = pipeline.Logs.GetSnapshot().Where(l => l.Level == LogLevel.Warning && l.Message.Contains("'acme-llm-9000'", StringComparison.Ordinal)).ToList();
        Assert.Single(warnings);
        Assert.Contains("PromptOps:Pricing:Models:acme-llm-9000", warnings[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_PriceOverrideInConfiguration_PricesAnOtherwiseUnknownModel()
    {
        var inner = Fakes.Replying(usage: new UsageDetails { InputTokenCount = 1_000_000, OutputTokenCount = 500_000, CachedInputTokenCount = 200_000 });
        await using var pipeline = Pipeline.Create(inner, o => o.Pricing.Models["acme-llm-9000"] = new ModelPriceOverride
        {
            InputPerMillionTokens = 2m,
            OutputPerMillionTokens = 8m,
            CachedInputPerMillionTokens = 0.5m,
        });

        await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = "acme-llm-9000" });

        var record = await pipeline.SingleRecordAsync();
        Assert.Equal((0.8m * 2m) + (0.2m * 0.5m) + (0.5m * 8m), record.Cost);
        Assert.EndsWith("+ configuration: acme-llm-9000", record.PriceSource, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_ResponseModelIsADatedSnapshot_PricedAsTheSnapshot()
    {
        var inner = Fakes.Replying(usage: new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 1000 }, responseModel: "gpt-4o-mini-2024-07-18");
        await using var pipeline = Pipeline.Create(inner);

        await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-4o-mini" });

        var record = await pipeline.SingleRecordAsync();
        Assert.Equal("gpt-4o-mini-2024-07-18", record.ResponseModel);
        Assert.Equal((1000 * 1.5e-7m) + (1000 * 6e-7m), record.Cost);
    }

    [Fact]
    public async Task GetResponseAsync_CacheWriteInAdditionalCounts_PricedAtTheCacheWriteRate()
    {
        var usage = new UsageDetails
        {
            InputTokenCount = 5_000,
            OutputTokenCount = 400,
            CachedInputTokenCount = 1_000,
            AdditionalCounts = new() { ["CacheCreationInputTokens"] = 3_000 },
        };
        await using var pipeline = Pipeline.Create(Fakes.Replying(usage: usage));

        await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = "claude-sonnet-4-5" });

        var record = await pipeline.SingleRecordAsync();
        Assert.Equal(3_000, record.CacheWriteInputTokens);
        Assert.Equal((1_000 * 3e-6m) + (1_000 * 3e-7m) + (3_000 * 3.75e-6m) + (400 * 1.5e-5m), record.Cost);
    }

    [Fact]
    public async Task GetResponseAsync_MoreCachedThanInputTokens_ClampedAndFlaggedNeverNegative()
    {
        var inner = Fakes.Replying(usage: new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10, CachedInputTokenCount = 900 });
        await using var pipeline = Pipeline.Create(inner);

        await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-4o" });

        var record = await pipeline.SingleRecordAsync();
        Assert.True(record.UsageClamped);
        Assert.Equal((100 * 1.25e-6m) + (10 * 1e-5m), record.Cost);
    }

    [Fact]
    public async Task UseCostTracking_AloneWithoutServices_ReturnsCostOnTheResponse()
    {
        using var inner = Fakes.Replying(usage: new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 100 });
        using var client = new ChatClientBuilder(inner).UseCostTracking().Build();

        var response = await client.GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-4.1" });

        Assert.Equal((1000 * 2e-6m) + (100 * 8e-6m), response.AdditionalProperties?[PromptOpsResponseKeys.CostUsd]);
        Assert.IsType<string>(response.AdditionalProperties?[PromptOpsResponseKeys.RequestId]);
        Assert.Equal(PromptOpsFeatures.CostTracking, client.GetService<PromptOpsChatClient>()?.Features);
    }

    [Fact]
    public async Task UseTokenBudget_AloneWithoutServices_UsesDefaultsAndPromptFileBudget()
    {
        using var inner = Fakes.Replying();
        using var client = new ChatClientBuilder(inner).UseTokenBudget().Build();

        var response = await client.GetResponseAsync("hi");

        Assert.Equal(1, inner.CallCount);
        Assert.IsType<string>(response.AdditionalProperties?[PromptOpsResponseKeys.RequestId]);
    }
}
