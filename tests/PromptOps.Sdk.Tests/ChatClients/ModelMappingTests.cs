using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PromptOps.Tests.TestSupport;
using Turn = PromptOps.Tests.OpenAiTestServer.Turn;

namespace PromptOps.Tests.ChatClients;

/// <summary>
/// The model the application configured is the model called: PromptOps:Models maps the model a prompt or request names to
/// the one the provider has, and that one is sent, priced and recorded. Through the official OpenAI client over HTTP.
/// </summary>
public sealed class ModelMappingTests
{
    [Theory]
    [InlineData("gpt-4o", "llama3.2")]
    [InlineData("*", "llama3.2")]
    public async Task GetResponseAsync_ModelMapped_SendsRecordsAndPricesTheMappedModel(string named, string called)
    {
        using var server = new OpenAiTestServer(Turn.Text("Hi."));
        var sink = new CollectingSink();
        var services = new ServiceCollection().AddLogging();
        services.AddPromptOps(o =>
        {
            o.Models[named] = called;
            o.Pricing.Models["llama3.2"] = new ModelPriceOverride { InputPerMillionTokens = 1m, OutputPerMillionTokens = 2m };
        }).AddCallSink(sink);
        services.AddChatClient(server.ChatClient("gpt-4o-mini")).UsePromptOps();
        await using var provider = services.BuildServiceProvider();

        var response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-4o" });
        await provider.GetRequiredService<ICallRecordDispatcher>().FlushAsync();

        using var sent = JsonDocument.Parse(Assert.Single(server.Requests));
        Assert.Equal("llama3.2", sent.RootElement.GetProperty("model").GetString());
        var record = Assert.Single(sink.Records);
        Assert.Equal("llama3.2", record.Model);
        Assert.Equal((100 * 1m / 1_000_000m) + (20 * 2m / 1_000_000m), record.Cost);
        Assert.Equal(record.Cost, response.AdditionalProperties?[PromptOpsResponseKeys.CostUsd]);
    }

    [Fact]
    public async Task GetResponseAsync_ModelNotMapped_SendsTheModelTheRequestNames()
    {
        using var server = new OpenAiTestServer(Turn.Text("Hi."));
        var services = new ServiceCollection().AddLogging();
        services.AddPromptOps(o => o.Models["gpt-4o"] = "llama3.2");
        services.AddChatClient(server.ChatClient("gpt-4o-mini")).UsePromptOps();
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-4.1" });

        Assert.Contains("\"model\":\"gpt-4.1\"", Assert.Single(server.Requests), StringComparison.Ordinal);
    }
}
