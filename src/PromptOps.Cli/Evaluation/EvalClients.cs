using System.ClientModel;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using OpenAI;
using PromptOps.Testing;

namespace PromptOps.Cli.Evaluation;

/// <summary>The chat client an eval run uses: the cassette (offline), the provider through the cassette (recording), or the provider alone.</summary>
internal sealed class EvalClients : IDisposable
{
    private EvalClients(IChatClient client, string description)
    {
        Client = client;
        Description = description;
    }

    public IChatClient Client { get; }

    public string Description { get; }

    /// <summary>Builds the client for a mode; a provider comes from OPENAI_API_KEY (and OpenAI__Endpoint or OPENAI_BASE_URL for any OpenAI-compatible API).</summary>
    public static EvalClients Create(string mode, string? cassettePath, string suitePath)
    {
        if (mode != "live" && cassettePath is null)
        {
            throw new CliUsageException($"--mode {mode} needs a cassette, and the suite '{Path.GetFileName(suitePath)}' names none. Add 'cassette: cassettes/<name>.json' to the suite, pass --cassette F, or use --mode live.");
        }

        if (mode == "replay")
        {
            if (!File.Exists(cassettePath))
            {
                throw new CliUsageException($"--mode replay runs from recordings, and the cassette '{cassettePath}' does not exist. Record it first with --mode record (OPENAI_API_KEY set), or pass --cassette with an existing one.");
            }

            var cassette = Cassette.Open(cassettePath!);
            return new EvalClients(new CassetteChatClient(cassette, CassetteMode.Replay), $"replaying {cassette.Count} recording(s) from {cassettePath} (offline)");
        }

        var provider = Provider(mode);
        if (mode == "live")
        {
            return new EvalClients(provider.Client, $"calling {provider.Description} (live, nothing recorded)");
        }

        var recording = Cassette.Open(cassettePath!);
        var cassetteMode = mode == "record" ? CassetteMode.Record : CassetteMode.ReplayOrRecord;
        return new EvalClients(new CassetteChatClient(recording, cassetteMode, provider.Client), $"calling {provider.Description} and recording into {cassettePath}");
    }

    public void Dispose() => Client.Dispose();

    private static (IChatClient Client, string Description) Provider(string mode)
    {
        var apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
        if (string.IsNullOrWhiteSpace(apiKey))
        {
            throw new CliUsageException($"--mode {mode} calls a real model, and no provider is configured. Set OPENAI_API_KEY (and OpenAI__Endpoint or OPENAI_BASE_URL for another OpenAI-compatible API such as Azure OpenAI or Ollama), or use --mode replay to run offline from the cassette.");
        }

        // The same endpoint settings as the samples: OpenAI__Endpoint (configuration's OpenAI:Endpoint), else OPENAI_BASE_URL.
        var options = new OpenAIClientOptions();
        var setting = Environment.GetEnvironmentVariable("OpenAI__Endpoint") is { Length: > 0 } ? "OpenAI__Endpoint" : "OPENAI_BASE_URL";
        if (Environment.GetEnvironmentVariable(setting) is { Length: > 0 } endpoint)
        {
            options.Endpoint = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                ? uri
                : throw new CliUsageException($"{setting} is '{endpoint}', which is not an http or https URL. Set it to the API's base URL, for example http://localhost:11434/v1.");
        }

        var client = new OpenAIClient(new ApiKeyCredential(apiKey), options);
        return (new ModelRoutingChatClient(client), $"the OpenAI-compatible API at {options.Endpoint?.ToString() ?? "api.openai.com"}");
    }

    /// <summary>Sends each request to the provider's client for the model the request names (targets and the judge may use different models).</summary>
    private sealed class ModelRoutingChatClient(OpenAIClient provider) : IChatClient
    {
        private readonly ConcurrentDictionary<string, IChatClient> _clients = new(StringComparer.Ordinal);

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            For(options).GetResponseAsync(messages, options, cancellationToken);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            For(options).GetStreamingResponseAsync(messages, options, cancellationToken);

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
            foreach (var client in _clients.Values)
            {
                client.Dispose();
            }
        }

        private IChatClient For(ChatOptions? options)
        {
            var model = options?.ModelId ?? throw new InvalidOperationException("The request names no model: set model.id in the prompt file or a model on the eval target.");
            return _clients.GetOrAdd(model, m => provider.GetChatClient(m).AsIChatClient());
        }
    }
}
