using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.ChatClients;

/// <summary>
/// The four features can be added apart, each its own client with other middleware between them (they then share each call
/// through its options); every scenario here must end exactly as it does through <c>UsePromptOps()</c>: the same response and
/// updates, the same record, the same ledger and the same cost metric.
/// </summary>
public class FeatureCompositionTests
{
    public static TheoryData<string> Scenarios => [.. All.Keys];

    private static readonly Dictionary<string, Scenario> All = new()
    {
        ["usage reported"] = new(Usage()),
        ["no usage reported"] = new(() => Fakes.Replying("one two three")),
        ["provider throws"] = new(() => Fakes.Replying(respond: (_, _) => throw new HttpRequestException("provider down"))),
        ["token budget rejects"] = new(Usage(), Configure: o => o.Budgets.MaxTokensPerRequest = 20),
        ["token budget clamps"] = new(Usage(), Configure: o => (o.Budgets.MaxTokensPerRequest, o.Budgets.Policy) = (2_000, TokenBudgetPolicy.ClampOutput), MaxOutput: 4_000),
        ["token budget alerts"] = new(Usage(), Configure: o => o.Budgets.MaxTokensPerRequest = 1_600),
        ["spend budget refuses"] = new(Usage(), Limit: 0.000001m),
        ["spend budget downgrades"] = new(Usage(), Limit: 0.000001m, Action: SpendLimitAction.Downgrade),
        ["spend alert fires"] = new(Usage(), Limit: 0.02m),
        ["stream with usage"] = new(Usage(), Consume: Stream.All),
        ["stream without usage"] = new(() => Fakes.Replying("one two three"), Consume: Stream.All),
        ["stream fails halfway"] = new(() => Fakes.Replying("one two three four", breakStreamAfter: 2), Consume: Stream.All),
        ["stream stopped after the first update"] = new(Usage(), Consume: Stream.StopAfterFirst),
        ["stream stopped at the cost update"] = new(() => Fakes.Replying("one two three"), Consume: Stream.StopAtCost),
        ["stream cancelled halfway"] = new(() => Fakes.Replying("one two three four", latency: TimeSpan.FromMilliseconds(5)), Consume: Stream.CancelAfterFirst),
        ["stream refused by the token budget"] = new(Usage(), Configure: o => o.Budgets.MaxTokensPerRequest = 20, Consume: Stream.All),
        ["stream refused by the spend budget"] = new(Usage(), Limit: 0.000001m, Consume: Stream.All),
    };

    private enum Stream
    {
        None,
        All,
        StopAfterFirst,
        StopAtCost,
        CancelAfterFirst,
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task UsePromptOps_Scenario_EndsAsTheFourFeaturesAddedApart(string scenario)
    {
        var whole = await RunAsync(All[scenario], b => b.UsePromptOps());
        var apart = await RunAsync(All[scenario], b => b
            .UseCallLogging().Use(PassThrough)
            .UseTokenBudget().Use(PassThrough)
            .UseSpendBudget().Use(PassThrough)
            .UseCostTracking());

        Assert.Equal(apart, whole);
        Assert.Single(whole.Split('\n'), line => line.StartsWith("record: request-1 gpt-4o", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UsePromptOps_ResolvedPipeline_ExposesOneClientWithEveryFeature()
    {
        await using var pipeline = Pipeline.Create();

        Assert.Equal(PromptOpsFeatures.All, pipeline.Client.GetService<PromptOpsChatClient>()?.Features);
        Assert.Same(pipeline.Inner, pipeline.Client.GetService<FakeChatClient>());
    }

    [Fact]
    public async Task UseFeatures_AddedNextToEachOther_BecomeOneClient()
    {
        await using var pipeline = Pipeline.Create(pipeline: b => b.UseCallLogging().UseCostTracking());

        Assert.Equal(PromptOpsFeatures.CallLogging | PromptOpsFeatures.CostTracking, pipeline.Client.GetService<PromptOpsChatClient>()?.Features);
        var response = await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-4o" });
        Assert.Equal(response.AdditionalProperties?[PromptOpsResponseKeys.CostUsd], (await pipeline.SingleRecordAsync()).Cost);
    }

    [Fact]
    public void UsePromptOps_FeaturesOutsideTheEnum_ThrowsNamingTheValue()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ChatClientBuilder(Fakes.Replying()).UsePromptOps((PromptOpsFeatures)64));

        Assert.Contains("'64' is not a combination of PromptOpsFeatures values", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Another middleware between two PromptOps clients (the way function invocation or caching would sit).</summary>
    private static IChatClient PassThrough(IChatClient inner) => new PassThroughChatClient(inner);

    private sealed class PassThroughChatClient(IChatClient inner) : DelegatingChatClient(inner);

    private static Func<PromptOps.Testing.FakeChatClient> Usage() => () => Fakes.Replying("one two three", new UsageDetails { InputTokenCount = 1_200, OutputTokenCount = 300, TotalTokenCount = 1_500 });

    /// <summary>Runs the scenario and describes everything a user could observe of it, as text to compare.</summary>
    private static async Task<string> RunAsync(Scenario scenario, Func<ChatClientBuilder, ChatClientBuilder> use)
    {
        var feature = $"fused-{Guid.NewGuid():N}";
        using var cost = new MetricCollector<double>(null, PromptOpsTelemetry.MeterName, PromptOpsTelemetry.CostMetric);
        await using var pipeline = Pipeline.Create(
            scenario.Inner(),
            configure: o =>
            {
                o.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = scenario.Limit, Action = scenario.Action, DowngradeModel = scenario.Action == SpendLimitAction.Downgrade ? "gpt-4o-mini" : null };
                scenario.Configure?.Invoke(o);
            },
            pipeline: use);
        var options = new ChatOptions { ModelId = "gpt-4o", MaxOutputTokens = scenario.MaxOutput };
        var observed = new StringBuilder();
        using (PromptOpsContext.Begin(feature: feature, requestId: "request-1"))
        {
            try
            {
                if (scenario.Consume == Stream.None)
                {
                    var response = await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Where is my order?")], options);
                    observed.AppendLine(CultureInfo.InvariantCulture, $"response: {response.Text} {Describe(response.AdditionalProperties)}");
                }
                else
                {
                    await ConsumeAsync(pipeline.Client, options, scenario.Consume, observed);
                }
            }
            catch (Exception ex)
            {
                observed.AppendLine(CultureInfo.InvariantCulture, $"threw {ex.GetType().Name}: {ex.Message}");
            }
        }

        foreach (var record in await pipeline.RecordsAsync())
        {
            observed.AppendLine(CultureInfo.InvariantCulture, $"""
                record: {record.RequestId} {record.Model} (from {record.DowngradedFrom}) answered by {record.ResponseModel}, max output {record.MaxOutputTokens}
                  tokens {record.InputTokens}/{record.OutputTokens}, estimate {record.EstimatedInputTokens}, estimated {record.UsageEstimated}, clamped {record.UsageClamped}
                  cost {record.Cost} from {record.PriceSource}
                  success {record.Success} {record.ErrorType} {record.Error}, streaming {record.Streaming}, first token {record.TimeToFirstToken.HasValue}, finish {record.FinishReason}
                  output {record.OutputContent}
                """);
        }

        var ledger = pipeline.Services.GetRequiredService<ISpendLedger>();
        var day = SpendPeriods.Get(SpendBudgetPeriod.Day, DateTimeOffset.UtcNow, TimeZoneInfo.Utc).Start;
        var total = await ledger.GetAsync(new SpendBucket("daily", "*", day));
        observed.AppendLine(CultureInfo.InvariantCulture, $"ledger: spent {total.SpentUsd}, reserved {total.ReservedUsd}");
        var reported = cost.GetMeasurementSnapshot().Where(m => Equals(m.Tags[PromptOpsTelemetry.FeatureAttribute], feature)).Select(m => m.Value);
        observed.AppendLine(CultureInfo.InvariantCulture, $"cost metric: {string.Join(", ", reported)}");
        await pipeline.Services.GetRequiredService<BudgetAlertPublisher>().FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

        // Alerts are handled in the background, so their log lines are compared in order of event id, not of arrival.
        foreach (var log in pipeline.Logs.GetSnapshot().Where(l => l.Category?.StartsWith("PromptOps.", StringComparison.Ordinal) == true && !l.Category.EndsWith("LoggingPromptCallSink", StringComparison.Ordinal)).OrderBy(l => l.Id.Id))
        {
            observed.AppendLine(CultureInfo.InvariantCulture, $"log {log.Id.Id}: {log.Message}");
        }

        return observed.Replace(feature, "{feature}").ToString();
    }

    private static async Task ConsumeAsync(IChatClient client, ChatOptions options, Stream consume, StringBuilder observed)
    {
        using var cancellation = new CancellationTokenSource();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Where is my order?")], options, cancellation.Token))
        {
            observed.AppendLine(CultureInfo.InvariantCulture, $"update: '{update.Text}' {Describe(update.AdditionalProperties)}");
            var carriesCost = update.AdditionalProperties?.ContainsKey(PromptOpsResponseKeys.CostUsd) == true;
            if (consume == Stream.StopAfterFirst || (consume == Stream.StopAtCost && carriesCost))
            {
                break;
            }

            if (consume == Stream.CancelAfterFirst)
            {
                await cancellation.CancelAsync();
            }
        }
    }

    private static string Describe(AdditionalPropertiesDictionary? properties) =>
        properties is null ? "{}" : "{" + string.Join(", ", properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")) + "}";

    private sealed record Scenario(
        Func<PromptOps.Testing.FakeChatClient> Inner,
        Action<PromptOpsOptions>? Configure = null,
        decimal Limit = 1_000m,
        SpendLimitAction Action = SpendLimitAction.Block,
        int? MaxOutput = 500,
        Stream Consume = Stream.None);
}
