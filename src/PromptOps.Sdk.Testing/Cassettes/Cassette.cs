using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace PromptOps.Testing;

/// <summary>
/// A cassette file: recorded chat responses filed under the key of the request that produced them
/// (<see cref="CassetteRequestKey"/>), with the request's messages kept beside each response so reviewers can read them.
/// </summary>
/// <remarks>
/// <para>
/// The file is indented JSON (<c>"format": "promptops-cassette", "version": 1</c>) with entries sorted by prompt and key, so a
/// re-recording shows as a readable diff. Responses are stored with Microsoft.Extensions.AI's own serializer: text, tool
/// calls, usage, finish reason and model id survive the round trip.
/// </para>
/// <para>
/// Thread-safe: parallel callers may find and record at once. Every recording is written to disk straight away through a
/// temporary file that replaces the cassette, so an interrupted run never leaves a half-written file.
/// </para>
/// </remarks>
public sealed class Cassette
{
    /// <summary>The cassette format version this library reads and writes.</summary>
    public const int FormatVersion = 1;

    private const string FormatName = "promptops-cassette";
    private readonly Dictionary<string, CassetteEntry> _entries;
    private readonly Lock _gate = new();

    private Cassette(string path, Dictionary<string, CassetteEntry> entries)
    {
        Path = path;
        _entries = entries;
    }

    /// <summary>Gets the full path of the cassette file.</summary>
    public string Path { get; }

    /// <summary>Gets the number of recorded responses.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Gets a snapshot of the recorded entries, sorted by prompt then key.</summary>
    public IReadOnlyList<CassetteEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return Sorted();
            }
        }
    }

    /// <summary>Opens a cassette file; a file that does not exist gives an empty cassette that is created on the first recording.</summary>
    /// <param name="path">The cassette file.</param>
    /// <returns>The cassette.</returns>
    /// <exception cref="CassetteFormatException">The file is not a cassette, is damaged, or was written by a newer version.</exception>
    public static Cassette Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            return new Cassette(full, new Dictionary<string, CassetteEntry>(StringComparer.Ordinal));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(full));
        }
        catch (JsonException ex)
        {
            throw new CassetteFormatException(full, $"{full}({(ex.LineNumber ?? 0) + 1},{(ex.BytePositionInLine ?? 0) + 1}): the cassette is not valid JSON: {ex.Message} Restore it from version control or record it again.", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
            {
                throw new CassetteFormatException(full, $"{full}: this is not a PromptOps cassette (no \"format\": \"{FormatName}\"). Point the cassette setting at a file recorded by CassetteChatClient or 'promptops eval --mode record'.");
            }

            var version = root.TryGetProperty("version", out var number) && number.TryGetInt32(out var parsed) ? parsed : 0;
            if (version != FormatVersion)
            {
                throw new CassetteFormatException(full, $"{full}: the cassette has format version {version}, and this version of PromptOps.Sdk.Testing reads version {FormatVersion}. {(version > FormatVersion ? "Update PromptOps.Sdk.Testing" : "Record the cassette again")} so both match.");
            }

            var entries = new Dictionary<string, CassetteEntry>(StringComparer.Ordinal);
            if (root.TryGetProperty("entries", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var node in list.EnumerateArray())
                {
                    index++;
                    var entry = ReadEntry(full, index, node);
                    entries[entry.Key] = entry;
                }
            }

            return new Cassette(full, entries);
        }
    }

    /// <summary>Finds the entry recorded for a request key.</summary>
    /// <param name="key">The key from <see cref="CassetteRequestKey.Compute"/>.</param>
    /// <param name="entry">The entry, when found.</param>
    /// <returns><see langword="true"/> when the request was recorded.</returns>
    public bool TryFind(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CassetteEntry? entry)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(key, out entry);
        }
    }

    /// <summary>Records (or replaces) the response to a request and writes the file.</summary>
    /// <param name="messages">The request's messages.</param>
    /// <param name="options">The request's options.</param>
    /// <param name="response">The response to record.</param>
    /// <param name="latency">How long the response took.</param>
    /// <param name="recordedAt">When it was recorded.</param>
    /// <returns>The new entry.</returns>
    public CassetteEntry Record(IReadOnlyList<ChatMessage> messages, ChatOptions? options, ChatResponse response, TimeSpan latency, DateTimeOffset recordedAt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Record(CassetteRequestKey.Compute(messages, options), messages, options, response, latency, recordedAt);
    }

    /// <summary>Records a response under a key the caller already computed from the same request.</summary>
    internal CassetteEntry Record(string key, IReadOnlyList<ChatMessage> messages, ChatOptions? options, ChatResponse response, TimeSpan latency, DateTimeOffset recordedAt)
    {
        ArgumentNullException.ThrowIfNull(response);
        var entry = new CassetteEntry
        {
            Key = key,
            Prompt = PromptOf(options),
            Model = options?.ModelId ?? response.ModelId,
            RecordedAt = recordedAt,
            LatencyMs = Math.Round(latency.TotalMilliseconds, 1),
            Request = [.. messages.Select(m => new CassetteMessage(m.Role.Value, m.Text.ReplaceLineEndings("\n")))],
            Response = JsonSerializer.SerializeToElement(response, JsonValueText.Options),
        };

        lock (_gate)
        {
            _entries[entry.Key] = entry;
            Save();
        }

        return entry;
    }

    /// <summary>The <c>id@version</c> a request was rendered from, read from the options PromptOps fills, or <see langword="null"/>.</summary>
    internal static string? PromptOf(ChatOptions? options)
    {
        var properties = options?.AdditionalProperties;
        if (properties is null || !properties.TryGetValue(PromptOpsChatOptionKeys.PromptId, out var id) || id is null)
        {
            return null;
        }

        return properties.TryGetValue(PromptOpsChatOptionKeys.PromptVersion, out var version) && version is not null
            ? string.Create(CultureInfo.InvariantCulture, $"{id}@{version}")
            : id.ToString();
    }

    private static CassetteEntry ReadEntry(string path, int index, JsonElement entry)
    {
        try
        {
            if (entry.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("it is not a JSON object");
            }

            return new CassetteEntry
            {
                Key = Text(entry, "key") ?? throw new InvalidDataException("it has no \"key\""),
                Prompt = Text(entry, "prompt"),
                Model = Text(entry, "model"),
                RecordedAt = Text(entry, "recorded_at") is { } at ? DateTimeOffset.Parse(at, CultureInfo.InvariantCulture) : default,
                LatencyMs = entry.TryGetProperty("latency_ms", out var latency) && latency.ValueKind == JsonValueKind.Number ? latency.GetDouble() : 0,
                Request = entry.TryGetProperty("request", out var request) && request.ValueKind == JsonValueKind.Array
                    ? [.. request.EnumerateArray().Select(m => new CassetteMessage(Text(m, "role") ?? "user", Text(m, "text") ?? string.Empty))]
                    : [],
                Response = entry.TryGetProperty("response", out var response) && response.ValueKind != JsonValueKind.Null
                    ? response.Clone()
                    : throw new InvalidDataException("it has no \"response\""),
            };
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or FormatException)
        {
            throw new CassetteFormatException(path, $"{path}: entry {index} of the cassette is damaged: {ex.Message}. Restore the file from version control or record it again.", ex);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value.GetString() : null;

    private List<CassetteEntry> Sorted() =>
        [.. _entries.Values.OrderBy(e => e.Prompt, StringComparer.Ordinal).ThenBy(e => e.Key, StringComparer.Ordinal)];

    private void Save()
    {
        AtomicFile.Write(Path, file =>
        {
            using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteNumber("version", FormatVersion);
            json.WriteStartArray("entries");
            foreach (var entry in Sorted())
            {
                json.WriteStartObject();
                json.WriteString("key", entry.Key);
                json.WriteString("prompt", entry.Prompt);
                json.WriteString("model", entry.Model);
                json.WriteString("recorded_at", entry.RecordedAt.ToString("O", CultureInfo.InvariantCulture));
                json.WriteNumber("latency_ms", entry.LatencyMs);
                json.WriteStartArray("request");
                foreach (var message in entry.Request)
                {
                    json.WriteStartObject();
                    json.WriteString("role", message.Role);
                    json.WriteString("text", message.Text);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WritePropertyName("response");
                entry.Response.WriteTo(json);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            file.WriteByte((byte)'\n');
        });
    }
}

/// <summary>One recorded response in a <see cref="Cassette"/>.</summary>
public sealed class CassetteEntry
{
    /// <summary>Gets the request key (<see cref="CassetteRequestKey"/>).</summary>
    public required string Key { get; init; }

    /// <summary>Gets the <c>id@version</c> the request was rendered from, when it came from a PromptOps prompt.</summary>
    public string? Prompt { get; init; }

    /// <summary>Gets the model the request asked for.</summary>
    public string? Model { get; init; }

    /// <summary>Gets when the response was recorded.</summary>
    public DateTimeOffset RecordedAt { get; init; }

    /// <summary>Gets how long the recorded call took, in milliseconds; replays report it as their latency.</summary>
    public double LatencyMs { get; init; }

    /// <summary>Gets the request's messages as role and text, for reading and for explaining a miss.</summary>
    public required IReadOnlyList<CassetteMessage> Request { get; init; }

    /// <summary>Gets the recorded response in Microsoft.Extensions.AI's JSON form.</summary>
    public required JsonElement Response { get; init; }

    /// <summary>Returns a fresh copy of the recorded response.</summary>
    /// <returns>The response; each call returns a new object.</returns>
    public ChatResponse ToResponse() =>
        Response.Deserialize<ChatResponse>(JsonValueText.Options) ?? throw new InvalidDataException($"The cassette entry {Key} holds no response.");
}

/// <summary>One request message kept in a cassette entry.</summary>
/// <param name="Role">The message role.</param>
/// <param name="Text">The message text.</param>
public sealed record CassetteMessage(string Role, string Text);
