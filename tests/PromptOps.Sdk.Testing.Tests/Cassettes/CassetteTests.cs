using Microsoft.Extensions.AI;

namespace PromptOps.Testing.Tests.Cassettes;

public sealed class CassetteTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("promptops-cassette-");

    private string CassettePath => Path.Combine(_folder.FullName, "cassettes", "support.json");

    public void Dispose() => _folder.Delete(recursive: true);

    private static ChatOptions Options(string prompt = "customer-support", string version = "2.1.0", string model = "gpt-4o") => new()
    {
        ModelId = model,
        Temperature = 0.2f,
        AdditionalProperties = new AdditionalPropertiesDictionary { [PromptOpsChatOptionKeys.PromptId] = prompt, [PromptOpsChatOptionKeys.PromptVersion] = version },
    };

    private static List<ChatMessage> Messages(string question = "Where is order A-1?") =>
        [new(ChatRole.System, "You are a support agent.\nBe brief."), new(ChatRole.User, question)];

    [Fact]
    public async Task Replay_AfterRecording_ReturnsTheRecordedTextUsageAndToolCallsWithoutCallingTheModel()
    {
        var model = new FakeChatClient()
            .ReplyWithToolCall("lookup_order", new Dictionary<string, object?> { ["order_id"] = "A-1" }, usage: new UsageDetails { InputTokenCount = 900, OutputTokenCount = 12 })
            .ReplyWith("Thanks!", new UsageDetails { InputTokenCount = 920, OutputTokenCount = 2 });
        using (var recorder = new CassetteChatClient(Cassette.Open(CassettePath), CassetteMode.Record, model))
        {
            await recorder.GetResponseAsync(Messages(), Options());
            await recorder.GetResponseAsync(Messages("Thank you"), Options());
        }

        var replayModel = new FakeChatClient();
        using var replayer = new CassetteChatClient(Cassette.Open(CassettePath), CassetteMode.Replay, replayModel);
        var call = await replayer.GetResponseAsync(Messages(), Options());
        var thanks = await replayer.GetResponseAsync(Messages("Thank you"), Options());

        var function = call.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
        Assert.Equal("lookup_order", function.Name);
        Assert.Equal("A-1", function.Arguments!["order_id"]!.ToString());
        Assert.Equal(900, call.Usage!.InputTokenCount);
        Assert.Equal("Thanks!", thanks.Text);
        Assert.Equal(ChatFinishReason.Stop, thanks.FinishReason);
        Assert.True(thanks.AdditionalProperties!.ContainsKey(CassetteChatClient.RecordedLatencyKey));
        Assert.Equal(0, replayModel.CallCount);
    }

    [Fact]
    public async Task Replay_RequestNeverRecorded_ThrowsAMissNamingThePromptAndTheDifferingMessage()
    {
        using (var recorder = new CassetteChatClient(Cassette.Open(CassettePath), CassetteMode.Record, new FakeChatClient().ReplyWith("ok")))
        {
            await recorder.GetResponseAsync(Messages("Where is order A-1?"), Options(version: "2.0.0"));
        }

        var inner = new FakeChatClient { RespondWith = (_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "live!")) };
        using var replayer = new CassetteChatClient(Cassette.Open(CassettePath), CassetteMode.Replay, inner);

        var miss = await Assert.ThrowsAsync<CassetteMissException>(() => replayer.GetResponseAsync(Messages("Where is order B-2?"), Options(version: "2.1.0")));

        Assert.Equal("customer-support@2.1.0", miss.Prompt);
        Assert.Contains("customer-support@2.0.0", miss.Message, StringComparison.Ordinal);
        Assert.Contains("message 2 (user) at character 16", miss.Message, StringComparison.Ordinal);
        Assert.Contains("--mode record", miss.Message, StringComparison.Ordinal);
        Assert.Equal(0, inner.CallCount);
    }

    [Fact]
    public async Task ReplayOrRecord_MissingRequest_IsRecordedOnceThenReplayed()
    {
        var model = new FakeChatClient { RespondWith = (_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "fresh")) };
        using var client = new CassetteChatClient(Cassette.Open(CassettePath), CassetteMode.ReplayOrRecord, model);

        await client.GetResponseAsync(Messages(), Options());
        var again = await client.GetResponseAsync(Messages(), Options());

        Assert.Equal("fresh", again.Text);
        Assert.Equal(1, model.CallCount);
        Assert.Equal(1, Cassette.Open(CassettePath).Count);
    }

    [Fact]
    public async Task Streaming_RecordedThenReplayed_GivesTheSameText()
    {
        using (var recorder = new CassetteChatClient(Cassette.Open(CassettePath), CassetteMode.Record, new FakeChatClient().ReplyWith("It ships tomorrow.", new UsageDetails { OutputTokenCount = 4 })))
        {
            Assert.Equal("It ships tomorrow.", (await recorder.GetStreamingResponseAsync(Messages(), Options()).ToListAsync()).ToChatResponse().Text);
        }

        using var replayer = new CassetteChatClient(Cassette.Open(CassettePath));
        var replayed = (await replayer.GetStreamingResponseAsync(Messages(), Options()).ToListAsync()).ToChatResponse();

        Assert.Equal("It ships tomorrow.", replayed.Text);
        Assert.Equal(4, replayed.Usage!.OutputTokenCount);
    }

    [Fact]
    public void RequestKey_CrLfAndLfText_AreTheSameRequest() =>
        Assert.Equal(
            CassetteRequestKey.Compute([new ChatMessage(ChatRole.System, "a\nb")], Options()),
            CassetteRequestKey.Compute([new ChatMessage(ChatRole.System, "a\r\nb")], Options()));

    [Fact]
    public void RequestKey_PromptVersionOnly_DoesNotChangeTheKey() =>
        Assert.Equal(CassetteRequestKey.Compute(Messages(), Options(version: "2.0.0")), CassetteRequestKey.Compute(Messages(), Options(version: "2.1.0")));

    [Theory]
    [InlineData("model")]
    [InlineData("temperature")]
    [InlineData("max_output_tokens")]
    [InlineData("response_format")]
    [InlineData("tools")]
    [InlineData("text")]
    public void RequestKey_AnythingTheModelSeesChanges_ChangesTheKey(string change)
    {
        var options = Options();
        var messages = Messages();
        switch (change)
        {
            case "model": options.ModelId = "gpt-4o-mini"; break;
            case "temperature": options.Temperature = 0.3f; break;
            case "max_output_tokens": options.MaxOutputTokens = 10; break;
            case "response_format": options.ResponseFormat = ChatResponseFormat.Json; break;
            case "tools": options.Tools = [AIFunctionFactory.Create(() => "x", "lookup_order")]; break;
            default: messages[1] = new ChatMessage(ChatRole.User, "Where is order A-1 ?"); break;
        }

        Assert.NotEqual(CassetteRequestKey.Compute(Messages(), Options()), CassetteRequestKey.Compute(messages, options));
    }

    [Fact]
    public void Open_NewerFormatVersion_FailsNamingBothVersions()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CassettePath)!);
        File.WriteAllText(CassettePath, """{"format": "promptops-cassette", "version": 2, "entries": []}""");

        var ex = Assert.Throws<CassetteFormatException>(() => Cassette.Open(CassettePath));

        Assert.Contains("format version 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("reads version 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Update PromptOps.Sdk.Testing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DamagedJson_FailsWithTheLine()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CassettePath)!);
        File.WriteAllText(CassettePath, "{\n  \"format\": \"promptops-cassette\",\n  \"version\": 1,\n  \"entries\": [ {\"key\": }\n]}");

        var ex = Assert.Throws<CassetteFormatException>(() => Cassette.Open(CassettePath));

        Assert.Contains("support.json(4,", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_SomeOtherJsonFile_IsRefusedAsNotACassette()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CassettePath)!);
        File.WriteAllText(CassettePath, """{"name": "package.json"}""");

        Assert.Contains("not a PromptOps cassette", Assert.Throws<CassetteFormatException>(() => Cassette.Open(CassettePath)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Record_ManyParallelCallers_KeepsEveryEntryAndLeavesNoTemporaryFiles()
    {
        var model = new FakeChatClient { RespondWith = (messages, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "re: " + messages[^1].Text)) };
        using var client = new CassetteChatClient(Cassette.Open(CassettePath), CassetteMode.Record, model);

        await Parallel.ForAsync(0, 64, async (i, token) => await client.GetResponseAsync(Messages($"question {i}"), Options(), token));

        var reopened = Cassette.Open(CassettePath);
        Assert.Equal(64, reopened.Count);
        using var replayer = new CassetteChatClient(reopened);
        Assert.Equal("re: question 17", (await replayer.GetResponseAsync(Messages("question 17"), Options())).Text);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(CassettePath)!));
    }

    [Fact]
    public void Constructor_RecordWithoutAnInnerClient_SaysWhatIsMissing() =>
        Assert.Contains("needs the inner client", Assert.Throws<ArgumentException>(() => new CassetteChatClient(Cassette.Open(CassettePath), CassetteMode.Record)).Message, StringComparison.Ordinal);
}
