using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Costs;

/// <summary>
/// Calls priced as the provider that served them: by the endpoint the client calls, then by the provider it names; a
/// router's calls at the router's rate; audio at the audio rates. Expected costs are computed here from the price map's raw
/// per-token numbers (read with a plain JSON reader, not the library's loader).
/// </summary>
public sealed class ProviderPricingTests
{
    private static readonly Lazy<JsonElement> RawMap = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src", "PromptOps.Sdk", "Costs", "Data", "litellm-chat-prices.json"))).RootElement);

    /// <summary>Model id as the provider's API returns it, how the client names the provider, and the entry that must price it.</summary>
    public static TheoryData<string, string?, string?, string> Providers => new()
    {
        { "gpt-4o", "openai", "https://api.openai.com/v1", "gpt-4o" },
        { "gpt-4o", "openai", "https://my-resource.openai.azure.com/openai/v1", "azure/gpt-4o" },
        { "claude-opus-4-5", "azure.ai.inference", null, "azure_ai/claude-opus-4-5" },
        { "claude-sonnet-4-5", "anthropic", null, "claude-sonnet-4-5" },
        { "gemini-2.5-flash", "gcp.gemini", null, "gemini/gemini-2.5-flash" },
        { "claude-sonnet-4-5", "gcp.vertex_ai", null, "vertex_ai/claude-sonnet-4-5" },
        { "gemini-2.5-pro", "gcp.vertex_ai", null, "gemini-2.5-pro" },
        { "anthropic.claude-3-5-sonnet-20240620-v1:0", "aws.bedrock", null, "anthropic.claude-3-5-sonnet-20240620-v1:0" },
        { "openai.gpt-5.5", "aws.bedrock", null, "bedrock_mantle/openai.gpt-5.5" },
        { "meta-llama/llama-4-maverick-17b-128e-instruct", "openai", "https://api.groq.com/openai/v1", "groq/meta-llama/llama-4-maverick-17b-128e-instruct" },
        { "openai/gpt-oss-120b", "groq", null, "groq/openai/gpt-oss-120b" },
        { "mistralai/Mixtral-8x7B-Instruct-v0.1", "openai", "https://api.together.xyz/v1", "together_ai/mistralai/Mixtral-8x7B-Instruct-v0.1" },
        { "accounts/fireworks/models/deepseek-r1", "openai", "https://api.fireworks.ai/inference/v1", "fireworks_ai/accounts/fireworks/models/deepseek-r1" },
        { "deepseek/deepseek-v3.2", "openai", "https://api.novita.ai/openai", "novita/deepseek/deepseek-v3.2" },
        { "openai/gpt-3.5-turbo", "openai", "https://openrouter.ai/api/v1", "openrouter/openai/gpt-3.5-turbo" },
        { "deepseek/deepseek-chat", "openai", "https://openrouter.ai/api/v1", "openrouter/deepseek/deepseek-chat" },
        { "z-ai/glm-4.6", "openai", "https://openrouter.ai/api/v1", "openrouter/z-ai/glm-4.6" },
        { "openai/gpt-4o", "openai", "https://ai-gateway.vercel.sh/v1", "vercel_ai_gateway/openai/gpt-4o" },
        { "kimi-k2.5", "moonshot_ai", null, "moonshot/kimi-k2.5" },
        { "kimi-k2.5", "openai", "https://api.moonshot.ai/v1", "moonshot/kimi-k2.5" },
        { "glm-4.7", "zhipu", null, "zai/glm-4.7" },
        { "glm-4.7", "openai", "https://api.z.ai/api/paas/v4", "zai/glm-4.7" },
        { "grok-4", "openai", "https://api.x.ai/v1", "xai/grok-4" },
        { "grok-4", "x_ai", null, "xai/grok-4" },
        { "glm-4.7", "z-ai", null, "zai/glm-4.7" },
        { "us.anthropic.claude-3-5-sonnet-20241022-v2:0", "aws.bedrock", "https://bedrock-runtime.us-east-1.amazonaws.com", "us.anthropic.claude-3-5-sonnet-20241022-v2:0" },
        { "mistral-large-latest", "openai", "https://api.mistral.ai/v1", "mistral/mistral-large-latest" },
        { "deepseek-chat", "openai", "https://api.deepseek.com", "deepseek/deepseek-chat" },
        { "sonar", "openai", "https://api.perplexity.ai", "perplexity/sonar" },
        { "gpt-oss-120b", "openai", "https://api.cerebras.ai/v1", "cerebras/gpt-oss-120b" },
        { "meta-llama/Llama-3.3-70B-Instruct", "openai", "https://api.deepinfra.com/v1/openai", "deepinfra/meta-llama/Llama-3.3-70B-Instruct" },
        { "qwen-max", "openai", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "dashscope/qwen-max" },
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetResponseAsync_ModelOfEveryProvider_IsPricedWithThatProvidersOwnEntry(string model, string? provider, string? endpoint, string expectedKey)
    {
        var usage = new UsageDetails { InputTokenCount = 12_345, OutputTokenCount = 678 };
        await using var pipeline = Pipeline.Create(Fakes.Replying(usage: usage, provider: provider, endpoint: endpoint is null ? null : new Uri(endpoint)));

        var response = await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = model });

        var record = await pipeline.SingleRecordAsync();
        Assert.EndsWith(": " + expectedKey, record.PriceSource);
        var expected = (12_345 * Raw(expectedKey, "input_cost_per_token")) + (678 * Raw(expectedKey, "output_cost_per_token"));
        Assert.Equal(expected, record.Cost);
        Assert.Equal(expected, response.AdditionalProperties?[PromptOpsResponseKeys.CostUsd]);
    }

    [Theory]
    [InlineData("openai/gpt-3.5-turbo", "openrouter/openai/gpt-3.5-turbo", "gpt-3.5-turbo")]
    [InlineData("deepseek/deepseek-chat", "openrouter/deepseek/deepseek-chat", "deepseek/deepseek-chat")]
    public void TryFind_RouterIdThroughTheRouter_PricesAtTheRoutersRateNotTheDirectProviders(string model, string routerKey, string directKey)
    {
        Assert.True(ModelPriceTable.Default.TryFind(model, "openrouter", out var routed));
        Assert.Equal(routerKey, routed.Key);

        // The same id with no provider named is looked up by name: the direct provider's entry.
        Assert.True(ModelPriceTable.Default.TryFind(model, null, out var direct));
        Assert.Equal(directKey, direct.Key);
        Assert.NotEqual(routed.Price.InputPerToken, direct.Price.InputPerToken);
    }

    [Fact]
    public void TryFind_ModelTheProviderHasNoEntryFor_HasNoPriceRatherThanAnotherProvidersPrice()
    {
        // Groq does not serve gpt-4o: OpenAI's price for it would be a wrong price, so there is none.
        Assert.False(ModelPriceTable.Default.TryFind("gpt-4o", "groq", out _));
        Assert.True(ModelPriceTable.Default.TryFind("gpt-4o", null, out _));
    }

    [Fact]
    public void TryFind_EveryEntryOfTheTable_ResolvesForItsOwnProviderToAnEntryOfThatProvider()
    {
        var table = ModelPriceTable.Default;
        var wrong = new List<string>();
        foreach (var entry in RawMap.Value.EnumerateObject().Where(e => e.Name != "_promptops"))
        {
            var provider = entry.Value.GetProperty("litellm_provider").GetString()!;
            var asServed = StripProviderPrefix(entry.Name, provider);
            var lookup = provider.StartsWith("vertex_ai", StringComparison.Ordinal) ? "vertex_ai" : provider is "bedrock_converse" or "bedrock_mantle" ? "bedrock" : provider;
            if (!table.TryFind(asServed, lookup, out var match))
            {
                wrong.Add($"{entry.Name} ({provider}): '{asServed}' not found");
            }
            else if (!PriceProviders.Serves(lookup, match.Price.Provider))
            {
                wrong.Add($"{entry.Name} ({provider}): '{asServed}' resolved to {match.Key} ({match.Price.Provider})");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} entries resolve to another provider's entry or to none:\n" + string.Join("\n", wrong.Take(40)));
    }

    [Fact]
    public async Task GetResponseAsync_OfficialOpenAIClientPointedAtXai_IsPricedAsXaiNotAsOpenAI()
    {
        var requests = new List<Uri>();
        using var http = new HttpClient(new CompletionServer(requests, "grok-4", promptTokens: 2_000, completionTokens: 300));
        var openAi = new OpenAIClient(
            new ApiKeyCredential("test-key"),
            new OpenAIClientOptions { Endpoint = new Uri("https://api.x.ai/v1"), Transport = new HttpClientPipelineTransport(http) });
        var services = new ServiceCollection().AddLogging();
        services.AddPromptOps();
        services.AddSingleton<IPromptCallSink>(new CollectingSink());
        services.AddChatClient(openAi.GetChatClient("grok-4").AsIChatClient()).UsePromptOps();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        Assert.Equal("openai", client.GetService<ChatClientMetadata>()?.ProviderName); // what the client says: not who serves it
        var response = await client.GetResponseAsync("hi");

        Assert.Equal("api.x.ai", Assert.Single(requests).Host);
        var expected = (2_000 * Raw("xai/grok-4", "input_cost_per_token")) + (300 * Raw("xai/grok-4", "output_cost_per_token"));
        Assert.Equal(expected, response.AdditionalProperties?[PromptOpsResponseKeys.CostUsd]);
    }

    [Fact]
    public async Task GetResponseAsync_OpenAICompatibleServerOfUnknownHost_IsPricedByModelName()
    {
        // A local proxy or vLLM: nothing says who serves it, so the model's name decides, as before endpoints were known.
        await using var pipeline = Pipeline.Create(Fakes.Replying(
            usage: new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 }, provider: "openai", endpoint: new Uri("http://localhost:8000/v1")));

        await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-4o-mini" });

        Assert.EndsWith(": gpt-4o-mini", (await pipeline.SingleRecordAsync()).PriceSource);
    }

    [Fact]
    public async Task GetResponseAsync_EndpointMappedInConfiguration_UsesThatProvidersPrices()
    {
        await using var pipeline = Pipeline.Create(
            Fakes.Replying(usage: new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 }, provider: "openai", endpoint: new Uri("https://llm-gateway.internal.example/v1")),
            configure: o => o.Pricing.Endpoints["https://llm-gateway.internal.example"] = "openrouter");

        await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = "openai/gpt-3.5-turbo" });

        Assert.EndsWith(": openrouter/openai/gpt-3.5-turbo", (await pipeline.SingleRecordAsync()).PriceSource);
    }

    [Fact]
    public async Task GetResponseAsync_AudioTokens_ArePricedAtTheAudioRates()
    {
        var usage = new UsageDetails { InputTokenCount = 1_000, OutputTokenCount = 400 };
#pragma warning disable MEAI001 // The evaluation API the OpenAI client fills in.
        usage.InputAudioTokenCount = 600;
        usage.OutputAudioTokenCount = 300;
#pragma warning restore MEAI001
        await using var pipeline = Pipeline.Create(Fakes.Replying(usage: usage, provider: "openai"));

        await pipeline.Client.GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-audio" });

        var expected = (400 * Raw("gpt-audio", "input_cost_per_token")) + (600 * Raw("gpt-audio", "input_cost_per_audio_token"))
            + (100 * Raw("gpt-audio", "output_cost_per_token")) + (300 * Raw("gpt-audio", "output_cost_per_audio_token"));
        Assert.Equal(expected, (await pipeline.SingleRecordAsync()).Cost);
    }

    [Fact]
    public void Calculate_XaiPromptExactlyAtTheThreshold_IsPricedAtTheHigherTierAsXaiBills()
    {
        Assert.True(ModelPriceTable.Default.TryFind("grok-4-fast-reasoning", "xai", out var grok));

        var atThreshold = CostCalculator.Calculate(grok.Price, new TokenUsage(128_000, 0));

        Assert.Equal(128_000 * Raw("xai/grok-4-fast-reasoning", "input_cost_per_token_above_128k_tokens"), atThreshold.Total);
    }

    [Fact]
    public void Calculate_CachedTokensInATierWithoutItsOwnCacheRate_KeepTheModelsCacheRate()
    {
        Assert.True(ModelPriceTable.Default.TryFind("grok-4-fast-reasoning", "xai", out var grok));

        var cost = CostCalculator.Calculate(grok.Price, new TokenUsage(200_000, 0, CachedInputTokens: 150_000));

        const string Key = "xai/grok-4-fast-reasoning";
        Assert.Equal((50_000 * Raw(Key, "input_cost_per_token_above_128k_tokens")) + (150_000 * Raw(Key, "cache_read_input_token_cost")), cost.Total);
    }

    private static decimal Raw(string key, string field) =>
        decimal.Parse(RawMap.Value.GetProperty(key).GetProperty(field).GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string StripProviderPrefix(string key, string provider)
    {
        foreach (var prefix in new[] { provider, "vertex_ai", "bedrock", "bedrock_mantle" })
        {
            if (key.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                return key[(prefix.Length + 1)..];
            }
        }

        return key;
    }

    /// <summary>Answers OpenAI's chat completions API the way an OpenAI-compatible provider does, and notes the URLs called.</summary>
    private sealed class CompletionServer(List<Uri> requests, string model, int promptTokens, int completionTokens) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Add(request.RequestUri!);
            var body = $$"""
                {"id":"chatcmpl-1","object":"chat.completion","created":1764720000,"model":"{{model}}",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello."},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":{{promptTokens}},"completion_tokens":{{completionTokens}},"total_tokens":{{promptTokens + completionTokens}} } }
                """;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }
}
