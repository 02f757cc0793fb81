using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using OpenAI;

namespace QuickStart;

/// <summary>Chooses the chat client: OpenAI (or any OpenAI-compatible endpoint) when a key is configured, else the offline client.</summary>
internal static class ChatClientFactory
{
    public static IChatClient Create(IConfiguration configuration, string defaultModel, out string description)
    {
        var apiKey = configuration["OpenAI:ApiKey"] ?? configuration["OPENAI_API_KEY"];
        if (string.IsNullOrWhiteSpace(apiKey))
        {
            description = "offline demo client (no OPENAI_API_KEY set)";
            return new OfflineChatClient();
        }

        var model = configuration["OpenAI:Model"] is { Length: > 0 } configured ? configured : defaultModel;
        var endpoint = configuration["OpenAI:Endpoint"] ?? configuration["OPENAI_BASE_URL"];
        var clientOptions = new OpenAIClientOptions();
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            // "localhost:18555" parses as a URL whose scheme is "localhost": only http and https reach a server.
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ChatClientConfigurationException($"OpenAI:Endpoint is '{endpoint}', which is not an http or https URL. Set it to the base URL of an OpenAI-compatible API, for example 'http://localhost:11434/v1'.");
            }

            clientOptions.Endpoint = uri;
        }

        description = $"OpenAI-compatible API at {clientOptions.Endpoint?.ToString() ?? "api.openai.com"}, model {model}";
        return new OpenAIClient(new ApiKeyCredential(apiKey), clientOptions).GetChatClient(model).AsIChatClient();
    }
}

/// <summary>The chat provider settings cannot work; the message says which setting and how to fix it.</summary>
internal sealed class ChatClientConfigurationException(string message) : Exception(message);
