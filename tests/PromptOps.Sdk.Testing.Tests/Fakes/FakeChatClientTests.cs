using Microsoft.Extensions.AI;

namespace PromptOps.Testing.Tests.Fakes;

public class FakeChatClientTests
{
    private static readonly ChatMessage[] s_question = [new(ChatRole.User, "Where is my order?")];

    [Fact]
    public async Task GetResponseAsync_ScriptedSteps_AreReturnedInOrderThenTheScriptRunsOut()
    {
        var fake = new FakeChatClient()
            .ReplyWithToolCall("lookup_order", new Dictionary<string, object?> { ["order_id"] = "A-1" })
            .ReplyWith("It ships tomorrow.", new UsageDetails { InputTokenCount = 950, OutputTokenCount = 5 });

        var first = await fake.GetResponseAsync(s_question, new ChatOptions { ModelId = "gpt-4o" });
        var second = await fake.GetResponseAsync(s_question);
        var third = await Assert.ThrowsAsync<InvalidOperationException>(() => fake.GetResponseAsync(s_question));

        var call = Assert.IsType<FunctionCallContent>(Assert.Single(first.Messages.Single().Contents));
        Assert.Equal(("lookup_order", "A-1"), (call.Name, (string)call.Arguments!["order_id"]!));
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        Assert.Equal("gpt-4o", first.ModelId);
        Assert.Equal("It ships tomorrow.", second.Text);
        Assert.Equal(950, second.Usage!.InputTokenCount);
        Assert.Contains("call 3", third.Message, StringComparison.Ordinal);
        Assert.Contains("RespondWith", third.Message, StringComparison.Ordinal);
        Assert.Equal(3, fake.Requests.Count);
    }

    [Fact]
    public async Task GetResponseAsync_ReplyWithoutUsage_GetsUsageCountedByTheTokenizer()
    {
        var fake = new FakeChatClient().ReplyWith("one two three");

        var response = await fake.GetResponseAsync(s_question, new ChatOptions { ModelId = "gpt-4o" });

        Assert.Equal(TiktokenTokenCounter.Shared.CountTokens("one two three", "gpt-4o"), response.Usage!.OutputTokenCount);
        Assert.True(response.Usage.InputTokenCount > 0);
    }

    [Fact]
    public async Task GetResponseAsync_ScriptedFailure_ThrowsTheGivenException()
    {
        var fake = new FakeChatClient().ThenThrow(new HttpRequestException("429 Too Many Requests"));

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => fake.GetResponseAsync(s_question));

        Assert.Equal("429 Too Many Requests", ex.Message);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TextReply_StreamsWordChunksThenUsage()
    {
        var fake = new FakeChatClient().ReplyWith("It ships tomorrow.", new UsageDetails { InputTokenCount = 10, OutputTokenCount = 4 });

        var updates = await fake.GetStreamingResponseAsync(s_question).ToListAsync();
        var response = updates.ToChatResponse();

        Assert.Equal(["It", " ships", " tomorrow."], updates.Where(u => u.Text.Length > 0).Select(u => u.Text));
        Assert.Equal("It ships tomorrow.", response.Text);
        Assert.Equal(4, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.True(fake.Requests.Single().Streaming);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolCallReply_StreamsTheCall()
    {
        var fake = new FakeChatClient().ReplyWithToolCall("track_shipping", new Dictionary<string, object?> { ["order_id"] = "B-7" });

        var response = (await fake.GetStreamingResponseAsync(s_question).ToListAsync()).ToChatResponse();

        Assert.Equal("track_shipping", response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single().Name);
    }

    [Fact]
    public async Task GetResponseAsync_ManyParallelCallers_EachTakesADistinctStep()
    {
        var fake = new FakeChatClient();
        for (var i = 0; i < 200; i++)
        {
            fake.ReplyWith($"reply {i}", new UsageDetails());
        }

        var replies = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => fake.GetResponseAsync(s_question))));

        Assert.Equal(200, replies.Select(r => r.Text).Distinct().Count());
        Assert.Equal(0, fake.RemainingSteps);
        Assert.Equal(200, fake.CallCount);
    }

    [Fact]
    public async Task GetResponseAsync_RespondWith_AnswersOnceTheScriptIsUsedUp()
    {
        var fake = new FakeChatClient { RespondWith = (messages, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "echo: " + messages[^1].Text)) }
            .ReplyWith("scripted");

        Assert.Equal("scripted", (await fake.GetResponseAsync(s_question)).Text);
        Assert.Equal("echo: Where is my order?", (await fake.GetResponseAsync(s_question)).Text);
    }
}
