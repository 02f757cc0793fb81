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
    public async Task UsePromptOps_WithoutMeaiTelemetry_ExportsOneGenAiSpanWithPromptOpsAttributes()
    {
        var spans = new List<Activity>();
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
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(PromptOpsTelemetry.SourceName, MeaiSource).AddInMemoryExporter(spans).Build();
        await using var pipeline = Pipeline.Create(pipeline: b => b.UseOpenTelemetry().UsePromptOps());
        var rendered = Pipeline.Render();
        using var context = PromptOpsContext.Begin(requestId: $"otel-{Guid.NewGuid():N}");

        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);
        tracing.ForceFlush();

        var span = Assert.Single(spans, s => Equals(s.GetTagItem(PromptOpsTelemetry.RequestIdAttribute), context.RequestId));
        Assert.Equal(MeaiSource, span.Source.Name);
        Assert.Equal("customer-support", span.GetTagItem("promptops.prompt.id"));
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
