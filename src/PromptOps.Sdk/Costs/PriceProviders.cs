using System.Collections.Frozen;

namespace PromptOps;

/// <summary>
/// Which provider served a call, in the names LiteLLM's price map files its entries under (<c>litellm_provider</c>): from the
/// host the client really calls, else from the provider name the client reports. Prices are looked up for that provider only.
/// </summary>
/// <remarks>
/// Microsoft.Extensions.AI's OpenAI client reports <c>openai</c> for every OpenAI-compatible server, so the endpoint decides
/// first. A host not in the map with the provider name <c>openai</c> is an OpenAI-compatible server of unknown pricing
/// (a local proxy, vLLM): the provider is unknown and the model is looked up by name alone.
/// </remarks>
internal static class PriceProviders
{
    /// <summary>Hosts (or their parent domains) of providers' APIs and the provider each serves. Documented in docs/budgets-and-cost.md.</summary>
    public static readonly FrozenDictionary<string, string> DefaultEndpoints = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["api.openai.com"] = "openai",
        ["openai.azure.com"] = "azure",
        ["cognitiveservices.azure.com"] = "azure",
        ["services.ai.azure.com"] = "azure_ai",
        ["models.ai.azure.com"] = "azure_ai",
        ["inference.ai.azure.com"] = "azure_ai",
        ["api.anthropic.com"] = "anthropic",
        ["generativelanguage.googleapis.com"] = "gemini",
        ["aiplatform.googleapis.com"] = "vertex_ai",
        ["api.x.ai"] = "xai",
        ["api.deepseek.com"] = "deepseek",
        ["api.groq.com"] = "groq",
        ["api.mistral.ai"] = "mistral",
        ["codestral.mistral.ai"] = "codestral",
        ["api.together.xyz"] = "together_ai",
        ["api.together.ai"] = "together_ai",
        ["openrouter.ai"] = "openrouter",
        ["ai-gateway.vercel.sh"] = "vercel_ai_gateway",
        ["api.fireworks.ai"] = "fireworks_ai",
        ["api.novita.ai"] = "novita",
        ["api.moonshot.ai"] = "moonshot",
        ["api.moonshot.cn"] = "moonshot",
        ["api.z.ai"] = "zai",
        ["open.bigmodel.cn"] = "zai",
        ["api.perplexity.ai"] = "perplexity",
        ["api.cerebras.ai"] = "cerebras",
        ["api.deepinfra.com"] = "deepinfra",
        ["api.sambanova.ai"] = "sambanova",
        ["dashscope.aliyuncs.com"] = "dashscope",
        ["dashscope-intl.aliyuncs.com"] = "dashscope",
        ["api.hyperbolic.xyz"] = "hyperbolic",
        ["api.studio.nebius.com"] = "nebius",
        ["api.studio.nebius.ai"] = "nebius",
        ["api.cohere.com"] = "cohere_chat",
        ["api.cohere.ai"] = "cohere_chat",
        ["api.minimax.io"] = "minimax",
        ["api.ai21.com"] = "ai21",
        ["api.lambda.ai"] = "lambda_ai",
        ["inference.baseten.co"] = "baseten",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Maps a provider name (Microsoft.Extensions.AI's <c>ChatClientMetadata.ProviderName</c>, which follows OpenTelemetry's
    /// <c>gen_ai.provider.name</c>, or a LiteLLM provider) to LiteLLM's provider; <see langword="null"/> for none.
    /// </summary>
    public static string? Normalize(string? providerName) => providerName?.Trim().ToLowerInvariant().Replace('-', '_') switch
    {
        null or "" => null,
        "azure.ai.openai" or "azure_openai" or "azure" => "azure",
        "amazon_nova" or "amazon.nova" => "amazon_nova",
        "azure.ai.inference" or "azure_ai" => "azure_ai",
        "aws.bedrock" or "aws" or "amazon_bedrock" or "bedrock" => "bedrock",
        "gcp.vertex_ai" or "vertex_ai" or "vertexai" or "google_vertex" => "vertex_ai",
        "gcp.gemini" or "gcp.gen_ai" or "gemini" or "google" => "gemini",
        "mistral_ai" or "mistral" or "mistralai" => "mistral",
        "x_ai" or "xai" => "xai",
        "moonshot_ai" or "moonshot" or "moonshotai" => "moonshot",
        "zhipu" or "zhipu_ai" or "zhipuai" or "z_ai" or "zai" or "bigmodel" => "zai",
        "together" or "together_ai" or "togetherai" => "together_ai",
        "fireworks" or "fireworks_ai" => "fireworks_ai",
        "cohere" or "cohere_chat" => "cohere_chat",
        "ibm.watsonx.ai" or "watsonx" => "watsonx",
        "perplexity" => "perplexity",
        var other => other,
    };

    /// <summary>Gets whether an entry filed under <paramref name="entryProvider"/> prices calls served by <paramref name="provider"/>.</summary>
    public static bool Serves(string provider, string? entryProvider) => entryProvider is null
        || string.Equals(entryProvider, provider, StringComparison.OrdinalIgnoreCase)
        || provider switch
        {
            "vertex_ai" => entryProvider.StartsWith("vertex_ai", StringComparison.OrdinalIgnoreCase),
            "bedrock" => entryProvider is "bedrock_converse" or "bedrock_mantle",
            "mistral" => entryProvider is "codestral",
            _ => false,
        };

    /// <summary>The key prefixes LiteLLM files a provider's models under, most specific first.</summary>
    public static string[] Prefixes(string provider) => provider switch
    {
        "bedrock" => ["bedrock_mantle", "bedrock"],
        "amazon_nova" => ["amazon-nova", "amazon_nova"],
        _ => [provider],
    };

    /// <summary>
    /// The provider that served a call: the endpoint's, when its host is in <paramref name="endpoints"/> (configured) or
    /// <see cref="DefaultEndpoints"/>; else the normalized provider name, except an unknown host behind the name
    /// <c>openai</c>, which is any OpenAI-compatible server (<see langword="null"/>: unknown).
    /// </summary>
    public static string? Resolve(string? providerName, Uri? endpoint, IReadOnlyDictionary<string, string>? endpoints)
    {
        var provider = Normalize(providerName);
        if (endpoint is null || !endpoint.IsAbsoluteUri)
        {
            return provider;
        }

        var host = endpoint.Host;
        if (FindHost(host, endpoints) is { } configured)
        {
            return Normalize(configured);
        }

        if (FindHost(host, DefaultEndpoints) is { } known)
        {
            return known;
        }

        // Bedrock's runtime hosts are regional: bedrock-runtime.us-east-1.amazonaws.com (other AWS services share the domain).
        if (host.StartsWith("bedrock", StringComparison.OrdinalIgnoreCase) && host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase))
        {
            return "bedrock";
        }

        return provider == "openai" ? null : provider;
    }

    /// <summary>
    /// Builds the host map of <c>PromptOps:Pricing:Endpoints</c>: keys read as hosts (<see cref="Host"/>), an empty value kept
    /// (look models up by name alone). Keys that are not hosts are left out; the options validator reports them.
    /// </summary>
    public static FrozenDictionary<string, string> ConfiguredEndpoints(IReadOnlyDictionary<string, string> endpoints)
    {
        var hosts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (endpoint, provider) in endpoints)
        {
            if (Host(endpoint) is { } host)
            {
                hosts[host] = provider ?? string.Empty;
            }
        }

        return hosts.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Reads a configured endpoint as a host: <c>api.x.ai</c>, or the host of <c>https://api.x.ai/v1</c>; <see langword="null"/> when it is neither.</summary>
    public static string? Host(string endpoint)
    {
        if (endpoint.Contains("://", StringComparison.Ordinal))
        {
            return Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? uri.Host : null;
        }

        var host = endpoint.Trim().TrimEnd('/');
        return Uri.CheckHostName(host) == UriHostNameType.Unknown ? null : host;
    }

    /// <summary>Finds a host, or its nearest parent domain, in a host map.</summary>
    private static string? FindHost(string host, IReadOnlyDictionary<string, string>? map)
    {
        if (map is not { Count: > 0 })
        {
            return null;
        }

        for (var name = host; name.Length > 0;)
        {
            if (map.TryGetValue(name, out var provider))
            {
                return provider;
            }

            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                break;
            }

            name = name[(dot + 1)..];
        }

        return null;
    }
}
