using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace PromptOps.Testing;

/// <summary>
/// Computes the key a cassette files a request under: a SHA-256 of a canonical JSON form of what the model receives.
/// </summary>
/// <remarks>
/// The key covers each message's role and contents (text with line endings normalised to <c>\n</c>, function calls and
/// results) and the options that change the answer: model id, temperature, top-p, top-k, max output tokens, seed, stop
/// sequences, response format, tool names and tool mode. It leaves out what does not reach the model: message ids, author
/// names, additional properties (where PromptOps keeps the prompt id and version) and raw representations. So the same
/// request rendered from two prompt versions with identical text shares one recording, and any change of wording does not.
/// </remarks>
public static class CassetteRequestKey
{
    /// <summary>Computes the key of a request.</summary>
    /// <param name="messages">The messages sent.</param>
    /// <param name="options">The options sent, or <see langword="null"/>.</param>
    /// <returns>64 lowercase hexadecimal characters.</returns>
    public static string Compute(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Convert.ToHexStringLower(SHA256.HashData(Canonical(messages, options)));
    }

    /// <summary>The canonical JSON bytes the key hashes.</summary>
    internal static byte[] Canonical(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("messages");
            foreach (var message in messages)
            {
                json.WriteStartObject();
                json.WriteString("role", message.Role.Value);
                json.WriteStartArray("contents");
                foreach (var content in message.Contents)
                {
                    WriteContent(json, content);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (options is not null)
            {
                WriteOptions(json, options);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteContent(Utf8JsonWriter json, AIContent content)
    {
        json.WriteStartObject();
        switch (content)
        {
            case TextContent text:
                json.WriteString("text", Normalise(text.Text));
                break;
            case FunctionCallContent call:
                json.WriteString("call", call.Name);
                json.WriteString("id", call.CallId);
                json.WritePropertyName("arguments");
                JsonSerializer.Serialize(json, call.Arguments is null ? null : new SortedDictionary<string, object?>(call.Arguments, StringComparer.Ordinal), JsonValueText.Options);
                break;
            case FunctionResultContent result:
                json.WriteString("result", result.CallId);
                json.WritePropertyName("value");
                JsonSerializer.Serialize(json, result.Result, JsonValueText.Options);
                break;
            case UsageContent:
                break;
            default:
                json.WritePropertyName(content.GetType().Name);
                JsonSerializer.Serialize(json, content, JsonValueText.Options);
                break;
        }

        json.WriteEndObject();
    }

    private static void WriteOptions(Utf8JsonWriter json, ChatOptions options)
    {
        json.WriteStartObject("options");
        WriteIfSet(json, "model", options.ModelId);
        WriteIfSet(json, "temperature", options.Temperature);
        WriteIfSet(json, "top_p", options.TopP);
        WriteIfSet(json, "top_k", options.TopK);
        WriteIfSet(json, "max_output_tokens", options.MaxOutputTokens);
        WriteIfSet(json, "seed", options.Seed);
        WriteIfSet(json, "frequency_penalty", options.FrequencyPenalty);
        WriteIfSet(json, "presence_penalty", options.PresencePenalty);
        if (options.StopSequences is { Count: > 0 } stops)
        {
            json.WriteStartArray("stop");
            foreach (var stop in stops)
            {
                json.WriteStringValue(stop);
            }

            json.WriteEndArray();
        }

        switch (options.ResponseFormat)
        {
            case ChatResponseFormatText:
                json.WriteString("response_format", "text");
                break;
            case ChatResponseFormatJson { Schema: { } schema }:
                json.WritePropertyName("response_format");
                schema.WriteTo(json);
                break;
            case ChatResponseFormatJson:
                json.WriteString("response_format", "json");
                break;
        }

        if (options.Tools is { Count: > 0 } tools)
        {
            json.WriteStartArray("tools");
            foreach (var tool in tools)
            {
                json.WriteStringValue(tool.Name);
            }

            json.WriteEndArray();
        }

        if (options.ToolMode is { } mode)
        {
            json.WriteString("tool_mode", mode switch
            {
                NoneChatToolMode => "none",
                RequiredChatToolMode { RequiredFunctionName: { } name } => "required:" + name,
                RequiredChatToolMode => "required",
                _ => "auto",
            });
        }

        json.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
    }

    private static string Normalise(string text) => text.Contains('\r', StringComparison.Ordinal) ? text.Replace("\r\n", "\n", StringComparison.Ordinal) : text;
}
