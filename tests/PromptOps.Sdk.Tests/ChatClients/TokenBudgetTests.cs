using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.ChatClients;

public class TokenBudgetTests
{
    private static readonly string LongQuestion = string.Concat(Enumerable.Repeat("My tent pole snapped on the first night and the seam leaks. ", 40));

    [Fact]
    public async Task GetResponseAsync_OverFeatureBudgetWithReject_ThrowsBeforeSendingAndRecordsTheRejection()
    {
        var feature = $"reject_{Guid.NewGuid():N}";
        await using var pipeline = Pipeline.Create(configure: o => o.Budgets.Features[feature] = new FeatureTokenBudget { MaxTokensPerRequest = 100 });
        using var rejections = new MetricCollector<long>(null, PromptOpsTelemetry.MeterName, PromptOpsTelemetry.BudgetRejectionsMetric);
        using var context = PromptOpsContext.Begin(feature: feature);
        var rendered = Pipeline.Render(question: LongQuestion);

        var error = await Assert.ThrowsAsync<TokenBudgetExceededException>(() => pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options));

        Assert.Equal(0, pipeline.Inner.CallCount);
        Assert.Equal(feature, error.Feature);
        Assert.Equal(100, error.Limit);
        Assert.Equal(800, error.RequestedOutputTokens);
        Assert.Equal(error.EstimatedInputTokens + 800L, error.Requested);
        Assert.Equal("customer-support", error.PromptId);
        Assert.Contains($"PromptOps:Budgets:Features:{feature}:MaxTokensPerRequest", error.Message, StringComparison.Ordinal);
        var record = await pipeline.SingleRecordAsync();
        Assert.False(record.Success);
        Assert.Equal(typeof(TokenBudgetExceededException).FullName, record.ErrorType);
        Assert.Contains(rejections.GetMeasurementSnapshot(), m => Equals(m.Tags[PromptOpsTelemetry.FeatureAttribute], feature) && m.Value == 1);
    }

    [Fact]
    public async Task GetResponseAsync_UpperBoundOverTheLimitButExactCountUnder_SendsAndRecordsTheExactEstimate()
    {
        // Short texts count as their UTF-8 bytes in the upper bound, so pick a limit between the bound and the exact count.
        var feature = $"between_{Guid.NewGuid():N}";
        var rendered = Pipeline.Render(question: "Où est ma commande 10023 ? Elle devait arriver hier, merci de vérifier.");
        rendered.Options.MaxOutputTokens = 10;
        var counter = TiktokenTokenCounter.Shared;
        var exact = counter.EstimateInputTokens(rendered.Messages, rendered.Options, null);
        var bound = counter.EstimateInputTokensUpperBound(rendered.Messages, rendered.Options, null);
        Assert.True(bound > exact + 20, $"bound {bound} should be well over the exact {exact} for this test to mean anything");
        await using var pipeline = Pipeline.Create(configure: o => o.Budgets.Features[feature] = new FeatureTokenBudget { MaxTokensPerRequest = exact + 10 });
        using var context = PromptOpsContext.Begin(feature: feature);

        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);

        Assert.Equal(1, pipeline.Inner.CallCount);
        Assert.Equal(exact, (await pipeline.SingleRecordAsync()).EstimatedInputTokens);
    }

    [Fact]
    public async Task GetResponseAsync_UpperBoundUnderTheLimit_SendsWithoutAnExactCount()
    {
        var feature = $"far_{Guid.NewGuid():N}";
        await using var pipeline = Pipeline.Create(configure: o => o.Budgets.Features[feature] = new FeatureTokenBudget { MaxTokensPerRequest = 100_000 });
        using var context = PromptOpsContext.Begin(feature: feature);
        var rendered = Pipeline.Render();

        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);

        Assert.Equal(1, pipeline.Inner.CallCount);
        Assert.Null((await pipeline.SingleRecordAsync()).EstimatedInputTokens);
    }

    [Fact]
    public async Task GetResponseAsync_LengthBoundOverTheLimitButUpperBoundUnder_SendsWithoutAnExactCount()
    {
        // Three tokens per character is well over the bound that reads the texts: a limit between the two needs no tokenizer.
        var feature = $"between_bounds_{Guid.NewGuid():N}";
        var rendered = Pipeline.Render();
        var counter = TiktokenTokenCounter.Shared;
        var bound = counter.EstimateInputTokensUpperBound(rendered.Messages, rendered.Options, null);
        var quick = counter.QuickUpperBound(rendered.Messages, rendered.Options, null);
        Assert.True(quick > bound + 100, $"the length bound {quick} should be well over the bound {bound} for this test to mean anything");
        await using var pipeline = Pipeline.Create(configure: o => o.Budgets.Features[feature] = new FeatureTokenBudget { MaxTokensPerRequest = bound + (rendered.Options.MaxOutputTokens ?? 0) + 10 });
        using var context = PromptOpsContext.Begin(feature: feature);

        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);

        Assert.Equal(1, pipeline.Inner.CallCount);
        Assert.Null((await pipeline.SingleRecordAsync()).EstimatedInputTokens);
    }

    [Fact]
    public async Task GetResponseAsync_PromptFileBudget_AppliesWithoutConfiguration()
    {
        await using var pipeline = Pipeline.Create();
        var rendered = RenderSmallBudgetPrompt();

        var error = await Assert.ThrowsAsync<TokenBudgetExceededException>(() => pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options));

        Assert.Equal(60, error.Limit);
        Assert.Equal("tiny_feature", error.Feature);
        Assert.Equal("tiny", error.PromptId);
    }

    [Fact]
    public async Task GetResponseAsync_ConfigurationBudget_OverridesThePromptFile()
    {
        await using var pipeline = Pipeline.Create(configure: o => o.Budgets.Features["tiny_feature"] = new FeatureTokenBudget { MaxTokensPerRequest = 20_000 });
        var rendered = RenderSmallBudgetPrompt();

        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);

        Assert.Equal(1, pipeline.Inner.CallCount);
    }

    private static RenderedPrompt RenderSmallBudgetPrompt()
    {
        using var library = new TempPromptLibrary().With("tiny/1.0.0.yaml", """
            id: tiny
            version: 1.0.0
            status: published
            feature: tiny_feature
            model: { id: gpt-4o, max_output_tokens: 100 }
            budget: { max_tokens_per_request: 60 }
            inputs:
              text: { type: string, required: true }
            messages:
              - role: user
                content: "{{ text }}"
            """);
        return library.Load().FindDefault("tiny", allowDrafts: false)!.Render(new { text = "Summarise our refund policy in one line." });
    }

    [Fact]
    public async Task GetResponseAsync_ClampOutput_LowersMaxOutputTokensToFitWithoutTouchingTheCallersOptions()
    {
        await using var pipeline = Pipeline.Create(configure: o =>
        {
            o.Budgets.Policy = TokenBudgetPolicy.ClampOutput;
            o.Budgets.Features["customer_support"] = new FeatureTokenBudget { MaxTokensPerRequest = 1_000 };
        });
        var rendered = Pipeline.Render(question: LongQuestion);

        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);

        var record = await pipeline.SingleRecordAsync();
        Assert.Equal(1_000 - record.EstimatedInputTokens, pipeline.Inner.Requests[^1].Options!.MaxOutputTokens);
        Assert.Equal(pipeline.Inner.Requests[^1].Options!.MaxOutputTokens, record.MaxOutputTokens);
        Assert.Equal(800, rendered.Options.MaxOutputTokens);
    }

    [Fact]
    public async Task GetResponseAsync_ClampOutputWithNoMaxOutput_SetsOneThatFits()
    {
        await using var pipeline = Pipeline.Create(configure: o =>
        {
            o.Budgets.Policy = TokenBudgetPolicy.ClampOutput;
            o.Budgets.MaxTokensPerRequest = 500;
        });

        await pipeline.Client.GetResponseAsync("hello");

        var record = await pipeline.SingleRecordAsync();
        Assert.Equal(500 - record.EstimatedInputTokens, pipeline.Inner.Requests[^1].Options!.MaxOutputTokens);
    }

    [Fact]
    public async Task GetResponseAsync_ClampOutputWhenInputAloneIsOver_Rejects()
    {
        await using var pipeline = Pipeline.Create(configure: o => o.Budgets.Features["customer_support"] = new FeatureTokenBudget { MaxTokensPerRequest = 50, Policy = TokenBudgetPolicy.ClampOutput });
        var rendered = Pipeline.Render(question: LongQuestion);

        await Assert.ThrowsAsync<TokenBudgetExceededException>(() => pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options));

        Assert.Equal(0, pipeline.Inner.CallCount);
    }

    [Fact]
    public async Task GetResponseAsync_Warn_SendsAndLogsAWarning()
    {
        await using var pipeline = Pipeline.Create(configure: o => o.Budgets.Features["customer_support"] = new FeatureTokenBudget { MaxTokensPerRequest = 100, Policy = TokenBudgetPolicy.Warn });
        var rendered = Pipeline.Render(question: LongQuestion);

        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);

        Assert.Equal(1, pipeline.Inner.CallCount);
        Assert.Equal(800, pipeline.Inner.Requests[^1].Options!.MaxOutputTokens);
        Assert.Contains(pipeline.Logs.GetSnapshot(), l => l.Level == LogLevel.Warning && l.Message.Contains("sent anyway because the policy is Warn", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetResponseAsync_UsageAtNinetyPercent_RaisesABudgetAlert()
    {
        var feature = $"alert_{Guid.NewGuid():N}";
        var inner = Fakes.Replying(usage: new UsageDetails { InputTokenCount = 700, OutputTokenCount = 200 });
        await using var pipeline = Pipeline.Create(inner, o => o.Budgets.Features[feature] = new FeatureTokenBudget { MaxTokensPerRequest = 1_000, Policy = TokenBudgetPolicy.Warn });
        using var alerts = new MetricCollector<long>(null, PromptOpsTelemetry.MeterName, PromptOpsTelemetry.BudgetAlertsMetric);
        using var context = PromptOpsContext.Begin(feature: feature);

        await pipeline.Client.GetResponseAsync("hello");

        Assert.Contains(alerts.GetMeasurementSnapshot(), m => Equals(m.Tags[PromptOpsTelemetry.FeatureAttribute], feature));
        Assert.Contains(pipeline.Logs.GetSnapshot(), l => l.Message.Contains($"Token budget alert: request {context.RequestId} of feature '{feature}' used 900 of its 1000 tokens", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetResponseAsync_UsageBelowThreshold_RaisesNoAlert()
    {
        var feature = $"calm_{Guid.NewGuid():N}";
        var inner = Fakes.Replying(usage: new UsageDetails { InputTokenCount = 500, OutputTokenCount = 100 });
        await using var pipeline = Pipeline.Create(inner, o => o.Budgets.Features[feature] = new FeatureTokenBudget { MaxTokensPerRequest = 1_000 });
        using var alerts = new MetricCollector<long>(null, PromptOpsTelemetry.MeterName, PromptOpsTelemetry.BudgetAlertsMetric);
        using var context = PromptOpsContext.Begin(feature: feature);

        await pipeline.Client.GetResponseAsync("hello");

        Assert.DoesNotContain(alerts.GetMeasurementSnapshot(), m => Equals(m.Tags[PromptOpsTelemetry.FeatureAttribute], feature));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_OverBudget_RejectsBeforeTheFirstUpdate()
    {
        await using var pipeline = Pipeline.Create(configure: o => o.Budgets.MaxTokensPerRequest = 10);

        await Assert.ThrowsAsync<TokenBudgetExceededException>(async () =>
        {
            await foreach (var update in pipeline.Client.GetStreamingResponseAsync(LongQuestion))
            {
                Assert.Fail("No update should arrive from a rejected request.");
            }
        });

        Assert.Equal(0, pipeline.Inner.CallCount);
        Assert.Equal(typeof(TokenBudgetExceededException).FullName, (await pipeline.SingleRecordAsync()).ErrorType);
    }

    [Fact]
    public async Task GetResponseAsync_ConfigurationChanges_ApplyOnTheNextCall()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationManager();
        configuration["PromptOps:Budgets:Features:customer_support:MaxTokensPerRequest"] = "100";
        await using var pipeline = Pipeline.Create(services: s => s.AddPromptOps(configuration.GetSection("PromptOps")));
        var rendered = Pipeline.Render();

        await Assert.ThrowsAsync<TokenBudgetExceededException>(() => pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options));
        configuration["PromptOps:Budgets:Features:customer_support:MaxTokensPerRequest"] = "50000";
        ((Microsoft.Extensions.Configuration.IConfigurationRoot)configuration).Reload();
        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);

        Assert.Equal(1, pipeline.Inner.CallCount);
    }
}
