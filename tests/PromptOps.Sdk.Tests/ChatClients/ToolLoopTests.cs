using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PromptOps.Tests.TestSupport;
using Turn = PromptOps.Tests.OpenAiTestServer.Turn;

namespace PromptOps.Tests.ChatClients;

/// <summary>
/// A tool loop (Microsoft.Extensions.AI's function invocation around or inside PromptOps) is one user request: every round
/// trip shares one request id, and the response carries it. Through the official OpenAI client over real HTTP.
/// </summary>
public sealed class ToolLoopTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_FunctionInvocationAroundPromptOps_EveryRoundTripSharesTheResponsesRequestId(bool streaming)
    {
        using var server = new OpenAiTestServer(
            Turn.ToolCall("get_weather", """{"city":"Paris"}""", "call_1"),
            Turn.ToolCall("get_weather", """{"city":"Lyon"}""", "call_2"),
            Turn.Text("Sunny in both."));
        await using var app = App.Create(server, b => b.UseFunctionInvocation().UsePromptOps());

        var requestId = await app.AskAsync(streaming);

        var records = await app.RecordsAsync();
        Assert.Equal(3, records.Count); // one record per provider round trip
        Assert.All(records, r => Assert.Equal(requestId, r.RequestId));
        Assert.Equal(3, server.Requests.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_PromptOpsAroundFunctionInvocation_TheWholeLoopIsOneRequest(bool streaming)
    {
        using var server = new OpenAiTestServer(Turn.ToolCall("get_weather", """{"city":"Paris"}""", "call_1"), Turn.Text("Sunny."));
        await using var app = App.Create(server, b => b.UsePromptOps().UseFunctionInvocation());

        var requestId = await app.AskAsync(streaming);

        var record = Assert.Single(await app.RecordsAsync());
        Assert.Equal(requestId, record.RequestId);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task GetResponseAsync_NextUserMessageAfterALoop_StartsANewRequest()
    {
        using var server = new OpenAiTestServer(Turn.ToolCall("get_weather", """{"city":"Paris"}""", "call_1"), Turn.Text("Sunny."), Turn.Text("You are welcome."));
        await using var app = App.Create(server, b => b.UseFunctionInvocation().UsePromptOps());
        List<ChatMessage> history = [new(ChatRole.User, "Weather in Paris?")];
        var first = await app.Client.GetResponseAsync(history, app.Options);
        history.AddRange(first.Messages);
        history.Add(new ChatMessage(ChatRole.User, "Thanks!"));

        var second = await app.Client.GetResponseAsync(history, app.Options);

        Assert.NotEqual(RequestId(first), RequestId(second));
        var records = await app.RecordsAsync();
        Assert.Equal(2, records.Count(r => r.RequestId == RequestId(first)));
        Assert.Equal(RequestId(second), records[^1].RequestId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_ToolLoopWithRedactedCapture_RecordsTheCallsArgumentsAndTheToolsAnswer(bool streaming)
    {
        using var server = new OpenAiTestServer(Turn.ToolCall("get_weather", """{"city":"Paris"}""", "call_1"), Turn.Text("Sunny."));
        await using var app = App.Create(server, b => b.UseFunctionInvocation().UsePromptOps());

        await app.AskAsync(streaming);

        var records = await app.RecordsAsync();
        Assert.Contains("""[call get_weather {"city":"Paris"} id=call_1]""", records[0].OutputContent, StringComparison.Ordinal);
        Assert.Contains("""assistant: [call get_weather {"city":"Paris"} id=call_1]""", records[1].InputContent, StringComparison.Ordinal);
        Assert.Contains("tool: [result id=call_1: sunny in Paris]", records[1].InputContent, StringComparison.Ordinal);
        Assert.Equal("Sunny.", records[1].OutputContent);
    }

    private static string RequestId(ChatResponse response) => (string)response.AdditionalProperties![PromptOpsResponseKeys.RequestId]!;

    private sealed class App : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly CollectingSink _sink = new();

        private App(OpenAiTestServer server, Func<ChatClientBuilder, ChatClientBuilder> pipeline)
        {
            var services = new ServiceCollection().AddLogging();
            services.AddPromptOps();
            services.AddSingleton<IPromptCallSink>(_sink);
            pipeline(services.AddChatClient(server.ChatClient()));
            _services = services.BuildServiceProvider();
            Client = _services.GetRequiredService<IChatClient>();
        }

        public IChatClient Client { get; }

        public ChatOptions Options { get; } = new() { Tools = [AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather", "Gets the weather of a city.")] };

        public static App Create(OpenAiTestServer server, Func<ChatClientBuilder, ChatClientBuilder> pipeline) => new(server, pipeline);

        /// <summary>Asks once and returns the request id the response (or, streamed, its updates) carries.</summary>
        public async Task<string> AskAsync(bool streaming)
        {
            if (!streaming)
            {
                return RequestId(await Client.GetResponseAsync("Weather in Paris and Lyon?", Options));
            }

            var ids = new HashSet<string>();
            await foreach (var update in Client.GetStreamingResponseAsync("Weather in Paris and Lyon?", Options))
            {
                if (update.AdditionalProperties?.TryGetValue(PromptOpsResponseKeys.RequestId, out var id) == true)
                {
                    ids.Add((string)id!);
                }
            }

            return Assert.Single(ids);
        }

        public async Task<IReadOnlyList<PromptCallRecord>> RecordsAsync()
        {
            await _services.GetRequiredService<ICallRecordDispatcher>().FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return _sink.Records;
        }

        public ValueTask DisposeAsync() => _services.DisposeAsync();
    }
}
