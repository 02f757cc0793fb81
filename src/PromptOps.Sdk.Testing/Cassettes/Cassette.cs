using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
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

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(full));
        }
        catch (JsonException ex)
        {
            throw new CassetteFormatException(full, $"{full}({(ex.LineNumber ?? 0) + 1},{(ex.BytePositionInLine ?? 0) + 1}): the cassette is not valid JSON: {ex.Message} Restore it from version control or record it again.", ex);
        }

        if (root is not JsonObject document || (string?)document["format"] != FormatName)
        {
            throw new CassetteFormatException(full, $"{full}: this is not a PromptOps cassette (no \"format\": \"{FormatName}\"). Point the cassette setting at a file recorded by CassetteChatClient or 'promptops eval --mode record'.");
        }

        var version = document["version"]?.GetValue<int>() ?? 0;
        if (version != FormatVersion)
        {
            throw new CassetteFormatException(full, $"{full}: the cassette has format version {version}, and this version of PromptOps.Sdk.Testing reads version {FormatVersion}. {(version > FormatVersion ? "Update PromptOps.Sdk.Testing" : "Record the cassette again")} so both match.");
        }

        var entries = new Dictionary<string, CassetteEntry>(StringComparer.Ordinal);
        var index = 0;
        foreach (var node in document["entries"] as JsonArray ?? [])
        {
            index++;
            var entry = ReadEntry(full, index, node);
            entries[entry.Key] = entry;
        }

        return new Cassette(full, entries);
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
        ArgumentNullException.ThrowIfNull(response);
        var entry = new CassetteEntry
        {
            Key = CassetteRequestKey.Compute(messages, options),
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

    private static CassetteEntry ReadEntry(string path, int index, JsonNode? node)
    {
        try
        {
            var entry = node as JsonObject ?? throw new InvalidDataException("it is not a JSON object");
            var response = entry["response"] ?? throw new InvalidDataException("it has no \"response\"");
            return new CassetteEntry
            {
                Key = (string?)entry["key"] ?? throw new InvalidDataException("it has no \"key\""),
                Prompt = (string?)entry["prompt"],
                Model = (string?)entry["model"],
                RecordedAt = entry["recorded_at"] is { } at ? DateTimeOffset.Parse((string)at!, CultureInfo.InvariantCulture) : default,
                LatencyMs = (double?)entry["latency_ms"] ?? 0,
                Request = [.. (entry["request"] as JsonArray ?? []).Select(m => new CassetteMessage((string?)m?["role"] ?? "user", (string?)m?["text"] ?? string.Empty))],
                Response = JsonSerializer.SerializeToElement(response),
            };
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or FormatException or JsonException)
        {
            throw new CassetteFormatException(path, $"{path}: entry {index} of the cassette is damaged: {ex.Message}. Restore the file from version control or record it again.", ex);
        }
    }

    private List<CassetteEntry> Sorted() =>
        [.. _entries.Values.OrderBy(e => e.Prompt, StringComparer.Ordinal).ThenBy(e => e.Key, StringComparer.Ordinal)];

    private void Save()
    {
        var entries = new JsonArray();
        foreach (var entry in Sorted())
        {
            entries.Add(new JsonObject
            {
                ["key"] = entry.Key,
                ["prompt"] = entry.Prompt,
                ["model"] = entry.Model,
                ["recorded_at"] = entry.RecordedAt.ToString("O", CultureInfo.InvariantCulture),
                ["latency_ms"] = entry.LatencyMs,
                ["request"] = new JsonArray([.. entry.Request.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["text"] = m.Text })]),
                ["response"] = JsonNode.Parse(entry.Response.GetRawText()),
            });
        }

        var document = new JsonObject { ["format"] = FormatName, ["version"] = FormatVersion, ["entries"] = entries };
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temporary, document.ToJsonString(s_indented).ReplaceLineEndings("\n") + "\n");
        File.Move(temporary, Path, overwrite: true);
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
