using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.ChatClients;

public class CallLoggingTests
{
    [Fact]
    public async Task GetResponseAsync_RenderedPrompt_RecordsPromptTokensCostAndContext()
    {
        await using var pipeline = Pipeline.Create();
        var rendered = Pipeline.Render();
        using var context = PromptOpsContext.Begin(userId: "user-7", tenantId: "acme", requestId: "req-123", tags: new Dictionary<string, string> { ["channel"] = "web" });

        var response = await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);

        var record = await pipeline.SingleRecordAsync();
        Assert.Equal("req-123", record.RequestId);
        Assert.Equal("req-123", response.AdditionalProperties?[PromptOpsResponseKeys.RequestId]);
        Assert.Equal("customer_support", record.Feature);
        Assert.Equal(("customer-support", "2.1.0"), (record.PromptId, record.PromptVersion));
        Assert.Equal(("user-7", "acme"), (record.UserId, record.TenantId));
        Assert.Equal("web", record.Tags["channel"]);
        Assert.Equal(("gpt-4o", "fakeprovider"), (record.Model, record.Provider));
        Assert.Equal((1200L, 300L), (record.InputTokens, record.OutputTokens));
        Assert.False(record.UsageEstimated);
        Assert.Null(record.EstimatedInputTokens); // far from every limit and usage reported: nothing was tokenized
        Assert.Equal((1200 * 2.5e-6m) + (300 * 1e-5m), record.Cost);
        Assert.Equal(record.Cost, response.AdditionalProperties?[PromptOpsResponseKeys.CostUsd]);
        Assert.Contains("gpt-4o", record.PriceSource, StringComparison.Ordinal);
        Assert.True(record.Success);
        Assert.False(record.Streaming);
        Assert.Equal("stop", record.FinishReason);
        Assert.Equal(0.2f, record.Temperature);
    }

    [Fact]
    public async Task GetResponseAsync_NoContext_GeneratesARequestIdPerCallAndReturnsIt()
    {
        await using var pipeline = Pipeline.Create();

        var first = await pipeline.Client.GetResponseAsync("hi");
        var second = await pipeline.Client.GetResponseAsync("hi again");

        var records = await pipeline.RecordsAsync();
        var ids = records.Select(r => r.RequestId).ToList();
        Assert.Equal(2, ids.Distinct().Count());
        Assert.Contains(first.AdditionalProperties![PromptOpsResponseKeys.RequestId], ids);
        Assert.Contains(second.AdditionalProperties![PromptOpsResponseKeys.RequestId], ids);
        Assert.All(records, r => Assert.Equal("default", r.Feature));
    }

    [Fact]
    public async Task GetResponseAsync_ContextFeature_OverridesThePromptFeature()
    {
        await using var pipeline = Pipeline.Create();
        var rendered = Pipeline.Render();
        using var context = PromptOpsContext.Begin(feature: "returns_desk");

        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);

        Assert.Equal("returns_desk", (await pipeline.SingleRecordAsync()).Feature);
    }

    [Fact]
    public async Task GetResponseAsync_CallerOptions_AreNotChangedAndPromptOpsKeysDoNotReachTheProvider()
    {
        await using var pipeline = Pipeline.Create();
        var rendered = Pipeline.Render();
        var keysBefore = rendered.Options.AdditionalProperties!.Keys.ToList();

        await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);

        Assert.Equal(keysBefore, rendered.Options.AdditionalProperties!.Keys.ToList());
        var sent = pipeline.Inner.Requests[^1].Options!;
        Assert.DoesNotContain(sent.AdditionalProperties?.Keys ?? [], k => k.StartsWith("promptops.", StringComparison.Ordinal));
        Assert.Equal("gpt-4o", sent.ModelId);
    }

    [Fact]
    public async Task GetResponseAsync_InnerClientThrows_RecordsFailureAndRethrowsTheSameException()
    {
        var boom = new HttpRequestException("The provider is down.");
        var inner = Fakes.Replying(respond: (_, _) => throw boom);
        await using var pipeline = Pipeline.Create(inner);

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => pipeline.Client.GetResponseAsync("hi"));

        Assert.Same(boom, thrown);
        var record = await pipeline.SingleRecordAsync();
        Assert.False(record.Success);
        Assert.Equal("System.Net.Http.HttpRequestException", record.ErrorType);
        Assert.Equal("The provider is down.", record.Error);
        Assert.Null(record.Cost);
    }

    [Fact]
    public async Task GetResponseAsync_Cancelled_RecordsTheCancellation()
    {
        var inner = Fakes.Replying(latency: TimeSpan.FromSeconds(30));
        await using var pipeline = Pipeline.Create(inner);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.Client.GetResponseAsync("hi", cancellationToken: cts.Token));

        var record = await pipeline.SingleRecordAsync();
        Assert.False(record.Success);
        Assert.Contains("Canceled", record.ErrorType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_UsageAtTheEnd_IsUsedAndCostReturnedOnTheStream()
    {
        await using var pipeline = Pipeline.Create();
        var rendered = Pipeline.Render();

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in pipeline.Client.GetStreamingResponseAsync(rendered.Messages, rendered.Options))
        {
            updates.Add(update);
        }

        var response = updates.ToChatResponse();
        var record = await pipeline.SingleRecordAsync();
        Assert.True(record.Streaming);
        Assert.Equal((1200L, 300L), (record.InputTokens, record.OutputTokens));
        Assert.False(record.UsageEstimated);
        Assert.NotNull(record.TimeToFirstToken);
        Assert.Equal("Hello from the fake model.", response.Text);
        Assert.Equal(record.RequestId, updates[0].AdditionalProperties?[PromptOpsResponseKeys.RequestId]);
        Assert.Equal(record.Cost, updates[^1].AdditionalProperties?[PromptOpsResponseKeys.CostUsd]);
        Assert.Equal(record.Cost, response.Messages[^1].AdditionalProperties?[PromptOpsResponseKeys.CostUsd]);
        Assert.Equal("Hello from the fake model.", record.OutputContent);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_NoUsageReported_EstimatesAndSaysSo()
    {
        await using var pipeline = Pipeline.Create(Fakes.Replying("one two three four five", usage: null));
        var rendered = Pipeline.Render();

        var response = await pipeline.Client.GetStreamingResponseAsync(rendered.Messages, rendered.Options).ToChatResponseAsync();

        var record = await pipeline.SingleRecordAsync();
        Assert.True(record.UsageEstimated);
        Assert.Equal(record.EstimatedInputTokens, (int?)record.InputTokens);
        Assert.Equal(TiktokenTokenCounter.Shared.CountTokens("one two three four five", "gpt-4o"), record.OutputTokens);
        Assert.NotNull(record.Cost);
        var properties = response.Messages[^1].AdditionalProperties;
        Assert.Equal(true, properties?[PromptOpsResponseKeys.UsageEstimated]);
        Assert.Equal(record.Cost, properties?[PromptOpsResponseKeys.CostUsd]);
        Assert.Equal(record.RequestId, properties?[PromptOpsResponseKeys.RequestId]);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StreamFailsHalfway_RecordsFailureWithPartialOutput()
    {
        var inner = Fakes.Replying("one two three four five", breakStreamAfter: 2);
        await using var pipeline = Pipeline.Create(inner);

        var seen = new List<string>();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var update in pipeline.Client.GetStreamingResponseAsync("hi"))
            {
                seen.Add(update.Text);
            }
        });

        Assert.Equal("The fake stream broke.", error.Message);
        Assert.Equal(2, seen.Count);
        var record = await pipeline.SingleRecordAsync();
        Assert.False(record.Success);
        Assert.True(record.Streaming);
        Assert.Equal("one two", record.OutputContent);
        Assert.True(record.UsageEstimated);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task GetStreamingResponseAsync_ConsumerStopsEarly_RecordsOnceAsAbandonedAndBillsWhatWasReceived(bool usePromptOps)
    {
        await using var pipeline = Pipeline.Create(
            Fakes.Replying("one two three four five"),
            pipeline: usePromptOps ? null : b => b.UseCallLogging().UseCostTracking());

        await foreach (var update in pipeline.Client.GetStreamingResponseAsync("hi"))
        {
            break;
        }

        var record = await pipeline.SingleRecordAsync();
        Assert.True(record.Streaming);
        Assert.Equal("one", record.OutputContent);
        Assert.False(record.Success);
        Assert.Equal(typeof(OperationCanceledException).FullName, record.ErrorType);
        Assert.Contains("stopped reading the stream", record.Error, StringComparison.Ordinal);
        Assert.Null(record.FinishReason);
        Assert.True(record.OutputTokens > 0);
        Assert.True(record.Cost > 0);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ConsumerStopsAtTheFinishReason_IsASuccess()
    {
        await using var pipeline = Pipeline.Create(Fakes.Replying("one two"));

        await foreach (var update in pipeline.Client.GetStreamingResponseAsync("hi"))
        {
            if (update.FinishReason is not null)
            {
                break;
            }
        }

        var record = await pipeline.SingleRecordAsync();
        Assert.True(record.Success);
        Assert.Equal("stop", record.FinishReason);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CancelledHalfway_RecordsTheCancellation()
    {
        var inner = Fakes.Replying("one two three four five", latency: TimeSpan.FromMilliseconds(20));
        await using var pipeline = Pipeline.Create(inner);
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in pipeline.Client.GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
            {
                await cts.CancelAsync();
            }
        });

        var record = await pipeline.SingleRecordAsync();
        Assert.False(record.Success);
        Assert.Contains("Canceled", record.ErrorType, StringComparison.Ordinal);
        Assert.Equal("one", record.OutputContent);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TwoHundredConcurrentStreams_EveryStreamRecordedOnceWithItsUsage()
    {
        await using var pipeline = Pipeline.Create();

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            using var context = PromptOpsContext.Begin(requestId: $"stream-{i}");
            await pipeline.Client.GetStreamingResponseAsync("hi", new ChatOptions { ModelId = "gpt-4o" }).ToChatResponseAsync();
        })));

        var records = await pipeline.RecordsAsync();
        Assert.Equal(200, records.Select(r => r.RequestId).Distinct().Count());
        Assert.All(records, r => Assert.Equal((1200L, 300L, true, false), (r.InputTokens, r.OutputTokens, r.Streaming, r.UsageEstimated)));
    }

    [Fact]
    public async Task GetResponseAsync_CallerExtendsItsHistoryAfterTheCall_RecordKeepsTheMessagesSent()
    {
        await using var pipeline = Pipeline.Create(configure: o => o.Calls.ContentCapture = PromptCallContentCapture.Full);
        List<ChatMessage> history = [new(ChatRole.User, "Where is order 10023?")];

        var response = await pipeline.Client.GetResponseAsync(history);
        history.AddRange(response.Messages);
        history.Add(new ChatMessage(ChatRole.User, "And order 10024?"));

        var record = await pipeline.SingleRecordAsync();
        Assert.Equal("user: Where is order 10023?\n", record.InputContent);
        Assert.Equal("Hello from the fake model.", record.OutputContent);
    }

    [Fact]
    public async Task GetResponseAsync_RecordWaitingForDeliveryWithContentCaptureOff_DoesNotKeepTheCallersMessagesAlive()
    {
        // A record waits up to the delivery interval. Without content capture it needs none of the messages, and a chat
        // history can be large: it must not live that long with the record. (The shipped fake keeps every request it
        // receives, so the provider here is one that keeps nothing.)
        await using var pipeline = Pipeline.Create(Fakes.Forgetful(), configure: o =>
        {
            o.Calls.DeliveryInterval = TimeSpan.FromMinutes(1);
            o.Calls.ContentCapture = PromptCallContentCapture.Off;
        });

        var sent = await CallAndForgetTheMessagesAsync(pipeline.Client);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(sent.IsAlive, "A call waiting for its record to be delivered kept the caller's messages alive.");
        var records = await pipeline.RecordsAsync();
        Assert.Equal([1200L, 1200L], records.Select(r => r.InputTokens ?? 0));
    }

    [Fact]
    public async Task GetResponseAsync_ToolsOfferedAndCalled_AreRecorded()
    {
        var inner = Fakes.Replying(respond: (_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "lookup_order", new Dictionary<string, object?> { ["id"] = "10023" })]))
            {
                FinishReason = ChatFinishReason.ToolCalls,
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 },
            });
        await using var pipeline = Pipeline.Create(inner);
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create((string id) => "shipped", "lookup_order"), AIFunctionFactory.Create(() => "ok", "track_shipping")] };

        await pipeline.Client.GetResponseAsync("Where is 10023?", options);

        var record = await pipeline.SingleRecordAsync();
        Assert.Equal(["lookup_order", "track_shipping"], record.ToolsAvailable);
        Assert.Equal(["lookup_order"], record.ToolsCalled);
        Assert.Equal("tool_calls", record.FinishReason);
    }

    [Fact]
    public async Task GetResponseAsync_LatencyFromTimeProvider_IsRecorded()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var inner = Fakes.Replying();
        var respond = inner.RespondWith!;
        inner.RespondWith = (m, o) =>
        {
            time.Advance(TimeSpan.FromMilliseconds(1500));
            return respond(m, o);
        };
        await using var pipeline = Pipeline.Create(inner, time: time);

        await pipeline.Client.GetResponseAsync("hi");

        var record = await pipeline.SingleRecordAsync();
        Assert.Equal(TimeSpan.FromMilliseconds(1500), record.Latency);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero), record.Timestamp);
    }

    [Theory]
    [InlineData(PromptCallContentCapture.Off, null)]
    [InlineData(PromptCallContentCapture.Redacted, "user: Mail me at [EMAIL]\n")]
    [InlineData(PromptCallContentCapture.Full, "user: Mail me at jane.doe@example.com\n")]
    public async Task GetResponseAsync_ContentCapture_ControlsRecordedContent(PromptCallContentCapture capture, string? expectedInput)
    {
        await using var pipeline = Pipeline.Create(configure: o => o.Calls.ContentCapture = capture);

        await pipeline.Client.GetResponseAsync("Mail me at jane.doe@example.com");

        Assert.Equal(expectedInput, (await pipeline.SingleRecordAsync()).InputContent);
    }

    [Fact]
    public async Task GetResponseAsync_ThousandConcurrentCalls_EveryCallRecordedExactlyOnce()
    {
        await using var pipeline = Pipeline.Create();
        var rendered = Pipeline.Render();

        var responses = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => Task.Run(async () =>
        {
            using var context = PromptOpsContext.Begin(requestId: $"req-{i}", userId: $"user-{i % 17}");
            return await pipeline.Client.GetResponseAsync(rendered.Messages, rendered.Options);
        })));

        var records = await pipeline.RecordsAsync();
        Assert.Equal(1000, records.Count);
        Assert.Equal(1000, records.Select(r => r.RequestId).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"req-{i}").Order(), records.Select(r => r.RequestId).Order());
        Assert.All(records, r => Assert.Equal($"user-{int.Parse(r.RequestId[4..], System.Globalization.CultureInfo.InvariantCulture) % 17}", r.UserId));
        Assert.Equal(1000 * ((1200 * 2.5e-6m) + (300 * 1e-5m)), records.Sum(r => r.Cost));
        Assert.Equal(1000, responses.Select(r => r.AdditionalProperties![PromptOpsResponseKeys.RequestId]).Distinct().Count());
        Assert.Equal(0, pipeline.Dispatcher.DroppedCount);
    }

    /// <summary>Makes a call whose messages nothing else keeps, then a second one so that the fake client lets go of them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> CallAndForgetTheMessagesAsync(IChatClient client)
    {
        var weak = await CallAsync(client, "Where is order 10023?");
        await CallAsync(client, "Thank you.");
        return weak;

        static async Task<WeakReference> CallAsync(IChatClient client, string text)
        {
            var message = new ChatMessage(ChatRole.User, text);
            await client.GetResponseAsync([message]);
            return new WeakReference(message);
        }
    }
}
