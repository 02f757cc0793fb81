using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Telemetry;

public class TelemetryTests
{
    private const string MeaiSource = "Experimental.Microsoft.Extensions.AI";

    [Fact]
    public async Task UsePromptOps_RequestWithEveryOption_SpanCarriesTheConventionsAttributes()
    {
        var spans = new SpanList();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(PromptOpsTelemetry.SourceName).AddInMemoryExporter(spans).Build();
        var usage = new UsageDetails
        {
            InputTokenCount = 1200,
            OutputTokenCount = 300,
            CachedInputTokenCount = 1000,
            ReasoningTokenCount = 120,
            AdditionalCounts = new() { ["CacheCreationInputTokens"] = 64 },
        };
        var inner = Fakes.Replying(usage: usage, provider: "openai", endpoint: new Uri("https://api.example.test:8443/v1"), defaultModel: "gpt-4o");
        await using var pipeline = Pipeline.Create(inner);
        var rendered = Pipeline.Render();
        rendered.Options.Seed = 42;
        rendered.Options.TopK = 5;
        rendered.Options.TopP = 0.9f;
        rendered.Options.FrequencyPenalty = 0.1f;
        rendered.Options.PresencePenalty = 0.2f;
        rendered.Options.StopSequences = ["END"];
        rendered.Options.ConversationId = "conversation-7";
        rendered.Options.ResponseFormat = ChatResponseFormat.Json;
        using var context = PromptOpsContext.Begin(requestId: $"otel-{Guid.NewGuid():N}");

        await pipeline.Client.GetStreamingResponseAsync(rendered.Messages, rendered.Options).ToChatResponseAsync();
        tracing.ForceFlush();

        var span = Assert.Single(spans, s => Equals(s.GetTagItem(PromptOpsTelemetry.RequestIdAttribute), context.RequestId));
        Assert.Equal("customer-support", span.GetTagItem("gen_ai.prompt.name"));
        Assert.Equal("2.1.0", span.GetTagItem("gen_ai.prompt.version"));
        Assert.Equal(true, span.GetTagItem("gen_ai.request.stream"));
        Assert.Equal(42L, span.GetTagItem("gen_ai.request.seed"));
        Assert.Equal(5, span.GetTagItem("gen_ai.request.top_k"));
        Assert.Equal(0.9f, span.GetTagItem("gen_ai.request.top_p"));
        Assert.Equal(0.1f, span.GetTagItem("gen_ai.request.frequency_penalty"));
        Assert.Equal(0.2f, span.GetTagItem("gen_ai.request.presence_penalty"));
        Assert.Equal(["END"], (string[])span.GetTagItem("gen_ai.request.stop_sequences")!);
        Assert.Equal("conversation-7", span.GetTagItem("gen_ai.conversation.id"));
        Assert.Equal("json", span.GetTagItem("gen_ai.output.type"));
        Assert.Equal("api.example.test", span.GetTagItem("server.address"));
        Assert.Equal(8443, span.GetTagItem("server.port"));
        Assert.Equal(1000L, span.GetTagItem("gen_ai.usage.cache_read.input_tokens"));
        Assert.Equal(64L, span.GetTagItem("gen_ai.usage.cache_write.input_tokens"));
        Assert.Equal(120L, span.GetTagItem("gen_ai.usage.reasoning.output_tokens"));
        Assert.IsType<double>(span.GetTagItem("gen_ai.response.time_to_first_chunk"));
        Assert.Null(span.GetTagItem("gen_ai.input.messages"));
    }

    [Fact]
    public async Task UsePromptOps_ClientWithoutAProviderName_SpanAndMetricsSayUnknownInsteadOfNull()
    {
        var spans = new SpanList();
        var feature = $"unknown_{Guid.NewGuid():N}";
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(PromptOpsTelemetry.SourceName).AddInMemoryExporter(spans).Build();
        using var duration = new MetricCollector<double>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.operation.duration");
        using var cost = new MetricCollector<double>(null, PromptOpsTelemetry.MeterName, PromptOpsTelemetry.CostMetric);
        var inner = Fakes.Replying(usage: new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 }, provider: null, defaultModel: null);
        await using var pipeline = Pipeline.Create(inner, configure: o => o.Pricing.Models["anything"] = new ModelPriceOverride { InputPerMillionTokens = 1, OutputPerMillionTokens = 1 });
        using var context = PromptOpsContext.Begin(feature: feature);

        await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = "anything" });
        await pipeline.Client.GetResponseAsync("hi");
        tracing.ForceFlush();

        Assert.All(spans.Where(s => Equals(s.GetTagItem(PromptOpsTelemetry.FeatureAttribute), feature)), s => Assert.Equal("unknown", s.GetTagItem("gen_ai.provider.name")));
        var points = duration.GetMeasurementSnapshot().Where(m => Equals(m.Tags[PromptOpsTelemetry.FeatureAttribute], feature)).ToList();
        Assert.Equal(2, points.Count);
        Assert.All(points, p => Assert.DoesNotContain(p.Tags, t => t.Value is null));
        Assert.All(cost.GetMeasurementSnapshot().Where(m => Equals(m.Tags[PromptOpsTelemetry.FeatureAttribute], feature)), p => Assert.DoesNotContain(p.Tags, t => t.Value is null));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UsePromptOps_CallRefusedByABudget_IsARejectionNotAFailedChatOperation(bool streaming)
    {
        var spans = new SpanList();
        var feature = $"refused_{Guid.NewGuid():N}";
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(PromptOpsTelemetry.SourceName).AddInMemoryExporter(spans).Build();
        using var duration = new MetricCollector<double>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.operation.duration");
        using var rejections = new MetricCollector<long>(null, PromptOpsTelemetry.MeterName, PromptOpsTelemetry.BudgetRejectionsMetric);
        await using var pipeline = Pipeline.Create(configure: o => o.Budgets.MaxTokensPerRequest = 5);
        using var context = PromptOpsContext.Begin(feature: feature);

        await Assert.ThrowsAsync<TokenBudgetExceededException>(() => streaming
            ? pipeline.Client.GetStreamingResponseAsync("a request far over five tokens of budget").ToChatResponseAsync()
            : pipeline.Client.GetResponseAsync("a request far over five tokens of budget"));
        tracing.ForceFlush();

        Assert.DoesNotContain(spans, s => Equals(s.GetTagItem(PromptOpsTelemetry.FeatureAttribute), feature));
        Assert.DoesNotContain(duration.GetMeasurementSnapshot(), m => Equals(m.Tags[PromptOpsTelemetry.FeatureAttribute], feature));
        Assert.Single(rejections.GetMeasurementSnapshot(), m => Equals(m.Tags[PromptOpsTelemetry.FeatureAttribute], feature));
        Assert.False((await pipeline.SingleRecordAsync()).Success);
    }

    [Fact]
    public async Task UsePromptOps_LatestConventionsOptedIn_EmitsTheInferenceMetricsInsteadOfV141()
    {
        var feature = $"latest_{Guid.NewGuid():N}";
        using var duration = new MetricCollector<double>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.inference.duration");
        using var firstChunk = new MetricCollector<double>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.inference.time_to_first_chunk");
        using var input = new MetricCollector<long>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.inference.usage.input_tokens");
        using var output = new MetricCollector<long>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.inference.usage.output_tokens");
        using var cacheRead = new MetricCollector<long>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.inference.usage.cache_read.input_tokens");
        using var perCall = new MetricCollector<long>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.inference.operation.input_tokens");
        using var old = new MetricCollector<double>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.operation.duration");
        var inner = Fakes.Replying(usage: new UsageDetails { InputTokenCount = 1200, OutputTokenCount = 300, CachedInputTokenCount = 1000 });
        await using var pipeline = Pipeline.Create(inner);
        using var context = PromptOpsContext.Begin(feature: feature);
        GenAI.LatestExperimental = true;
        try
        {
            await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-4o" });
            await pipeline.Client.GetStreamingResponseAsync("hi", new ChatOptions { ModelId = "gpt-4o" }).ToChatResponseAsync();
        }
        finally
        {
            GenAI.LatestExperimental = false;
        }

        bool Mine(IReadOnlyDictionary<string, object?> tags) => Equals(tags[PromptOpsTelemetry.FeatureAttribute], feature);
        Assert.Equal(2, duration.GetMeasurementSnapshot().Count(m => Mine(m.Tags)));
        Assert.Single(firstChunk.GetMeasurementSnapshot(), m => Mine(m.Tags));
        Assert.Equal(2400, input.GetMeasurementSnapshot().Where(m => Mine(m.Tags)).Sum(m => m.Value));
        Assert.All(input.GetMeasurementSnapshot().Where(m => Mine(m.Tags)), m => Assert.Equal("unknown", m.Tags["gen_ai.token.modality"]));
        Assert.Equal(600, output.GetMeasurementSnapshot().Where(m => Mine(m.Tags)).Sum(m => m.Value));
        Assert.Equal(2000, cacheRead.GetMeasurementSnapshot().Where(m => Mine(m.Tags)).Sum(m => m.Value));
        Assert.Equal(2, perCall.GetMeasurementSnapshot().Count(m => Mine(m.Tags) && m.Value == 1200));
        Assert.DoesNotContain(old.GetMeasurementSnapshot(), m => Mine(m.Tags));
    }

    [Theory]
    [InlineData("gen_ai_latest_experimental", true)]
    [InlineData("http, gen_ai_latest_experimental", true)]
    [InlineData("http", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void OptedIn_StabilityOptInValue_ReadsTheGenAiEntryOfTheList(string? value, bool expected) => Assert.Equal(expected, GenAI.OptedIn(value));

    [Fact]
    public async Task UsePromptOps_CostAttributesAndMessageContentSwitchedOn_SpanCarriesThemWithContentRedacted()
    {
        var spans = new SpanList();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(PromptOpsTelemetry.SourceName).AddInMemoryExporter(spans).Build();
        await using var pipeline = Pipeline.Create(Fakes.Replying("Mail me at jane@example.com", new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 }));
        using var context = PromptOpsContext.Begin(requestId: $"otel-{Guid.NewGuid():N}");
        (GenAI.EmitCostAttributes, GenAI.CaptureMessageContent) = (true, true);
        try
        {
            await pipeline.Client.GetResponseAsync("My card is 4111 1111 1111 1111.", new ChatOptions { ModelId = "gpt-4o" });
        }
        finally
        {
            (GenAI.EmitCostAttributes, GenAI.CaptureMessageContent) = (false, false);
        }

        tracing.ForceFlush();
        var span = Assert.Single(spans, s => Equals(s.GetTagItem(PromptOpsTelemetry.RequestIdAttribute), context.RequestId));
        Assert.Equal((double)((10 * 2.5e-6m) + (5 * 1e-5m)), span.GetTagItem("gen_ai.usage.cost.amount"));
        Assert.Equal("USD", span.GetTagItem("gen_ai.usage.cost.currency"));
        Assert.Contains("gpt-4o", (string)span.GetTagItem("gen_ai.usage.cost.source")!, StringComparison.Ordinal);
        var input = (string)span.GetTagItem("gen_ai.input.messages")!;
        var output = (string)span.GetTagItem("gen_ai.output.messages")!;
        Assert.StartsWith("[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":", input, StringComparison.Ordinal);
        Assert.DoesNotContain("4111 1111 1111 1111", input, StringComparison.Ordinal);
        Assert.DoesNotContain("jane@example.com", output, StringComparison.Ordinal);
        Assert.Contains("\"finish_reason\":\"stop\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsePromptOps_WithoutMeaiTelemetry_ExportsOneGenAiSpanWithPromptOpsAttributes()
    {
        var spans = new SpanList();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(PromptOpsTelemetry.SourceName, MeaiSource).AddInMemoryExporter(spans).Build();
        await using var pipeline = Pipeline.Create();
        var rendered = Pipeline.Render();
        using var context = PromptOpsContext.Begin(requestId: $"otel-{Guid.NewGuid():N}");

        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);
        tracing.ForceFlush();

        var span = Assert.Single(spans, s => Equals(s.GetTagItem(PromptOpsTelemetry.RequestIdAttribute), context.RequestId));
        Assert.Equal(PromptOpsTelemetry.SourceName, span.Source.Name);
        Assert.Equal("chat gpt-4o", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("fakeprovider", span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("gpt-4o", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal(1200L, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(300L, span.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal("customer-support", span.GetTagItem("promptops.prompt.id"));
        Assert.Equal("2.1.0", span.GetTagItem("promptops.prompt.version"));
        Assert.Equal("customer_support", span.GetTagItem("promptops.feature"));
        Assert.Equal((double)((1200 * 2.5e-6m) + (300 * 1e-5m)), span.GetTagItem("promptops.cost.usd"));
    }

    [Fact]
    public async Task UsePromptOps_InsideMeaiUseOpenTelemetry_EnrichesTheirSpanInsteadOfAddingOne()
    {
        var spans = new SpanList();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(PromptOpsTelemetry.SourceName, MeaiSource).AddInMemoryExporter(spans).Build();
        await using var pipeline = Pipeline.Create(pipeline: b => b.UseOpenTelemetry().UsePromptOps());
        var rendered = Pipeline.Render();
        using var context = PromptOpsContext.Begin(requestId: $"otel-{Guid.NewGuid():N}");

        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);
        tracing.ForceFlush();

        var span = Assert.Single(spans, s => Equals(s.GetTagItem(PromptOpsTelemetry.RequestIdAttribute), context.RequestId));
        Assert.Equal(MeaiSource, span.Source.Name);
        Assert.Equal("customer-support", span.GetTagItem("promptops.prompt.id"));
        Assert.Equal("customer-support", span.GetTagItem("gen_ai.prompt.name"));
        Assert.Equal("2.1.0", span.GetTagItem("gen_ai.prompt.version"));
        Assert.NotNull(span.GetTagItem("promptops.cost.usd"));
        Assert.DoesNotContain(spans, s => s.Source.Name == PromptOpsTelemetry.SourceName && s.TraceId == span.TraceId);
    }

    [Fact]
    public async Task UsePromptOps_Metrics_UseGenAiAndPromptOpsNames()
    {
        var feature = $"metrics_{Guid.NewGuid():N}";
        using var tokens = new MetricCollector<long>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.token.usage");
        using var duration = new MetricCollector<double>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.operation.duration");
        using var firstChunk = new MetricCollector<double>(null, PromptOpsTelemetry.MeterName, "gen_ai.client.operation.time_to_first_chunk");
        using var cost = new MetricCollector<double>(null, PromptOpsTelemetry.MeterName, PromptOpsTelemetry.CostMetric);
        await using var pipeline = Pipeline.Create();
        using var context = PromptOpsContext.Begin(feature: feature);

        await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-4o" });
        await pipeline.Client.GetStreamingResponseAsync("hi", new ChatOptions { ModelId = "gpt-4o" }).ToChatResponseAsync();

        bool Mine(IReadOnlyDictionary<string, object?> tags) => Equals(tags[PromptOpsTelemetry.FeatureAttribute], feature);
        var usage = tokens.GetMeasurementSnapshot().Where(m => Mine(m.Tags)).ToList();
        Assert.Equal(2, usage.Count(m => Equals(m.Tags["gen_ai.token.type"], "input") && m.Value == 1200));
        Assert.Equal(2, usage.Count(m => Equals(m.Tags["gen_ai.token.type"], "output") && m.Value == 300));
        Assert.Equal(2, duration.GetMeasurementSnapshot().Count(m => Mine(m.Tags)));
        Assert.Single(firstChunk.GetMeasurementSnapshot(), m => Mine(m.Tags));
        Assert.Equal(2 * (double)((1200 * 2.5e-6m) + (300 * 1e-5m)), cost.GetMeasurementSnapshot().Where(m => Mine(m.Tags)).Sum(m => m.Value), 10);
    }
}
