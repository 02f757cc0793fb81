using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PromptOps.Cli.Lifecycle;

/// <summary>
/// An <see cref="IActivationLog"/> kept in an append-only file, one JSON object per line: durable, readable with any text
/// tool, and easy to commit next to the prompts or ship to a log system. <c>promptops activate --store F.jsonl</c> writes it.
/// </summary>
/// <remarks>
/// Thread-safe, and safe for several processes appending to one file: each write appends one whole line while holding the
/// file exclusively, retrying for up to <see cref="LockTimeout"/> while another process holds it.
/// </remarks>
internal sealed class JsonLinesActivationLog : IActivationLog
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    // One gate per file for the whole process, so that two instances over one path also take turns.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> s_gates = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate;

    /// <summary>Initializes a new instance of the <see cref="JsonLinesActivationLog"/> class.</summary>
    /// <param name="path">The file; created with its directory on the first write.</param>
    public JsonLinesActivationLog(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _gate = s_gates.GetOrAdd(Path, _ => new SemaphoreSlim(1, 1));
    }

    /// <summary>Gets the full path of the file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public async ValueTask RecordAsync(PromptActivation activation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activation);
        var line = Encoding.UTF8.GetBytes(ToJson(activation) + "\n");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            var stream = await OpenExclusiveAsync(FileMode.Append, FileAccess.Write, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<bool> TryRecordAsync(PromptActivation activation, string? expectedLatestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activation);
        var line = Encoding.UTF8.GetBytes(ToJson(activation) + "\n");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            var stream = await OpenExclusiveAsync(FileMode.OpenOrCreate, FileAccess.ReadWrite, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                // The file stays held from the check to the append: no other process appends in between.
                using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
                var entries = Parse(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
                if (ActivationFilter.LatestDecisionId(entries, activation.PromptId, activation.Environment) != expectedLatestId)
                {
                    return false;
                }

                stream.Seek(0, SeekOrigin.End);
                await stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A line of the file is not an activation; the message names the file and line.</exception>
    public async ValueTask<IReadOnlyList<PromptActivation>> GetHistoryAsync(string? promptId = null, string? environment = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        string text;
        var stream = await OpenExclusiveAsync(FileMode.Open, FileAccess.Read, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }

        return ActivationFilter.Apply(Parse(text), promptId, environment);
    }

    private List<PromptActivation> Parse(string text)
    {
        var entries = new List<PromptActivation>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() is { Length: > 0 } line)
            {
                entries.Add(FromJson(line, i + 1));
            }
        }

        return entries;
    }

    private async Task<FileStream> OpenExclusiveAsync(FileMode mode, FileAccess access, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(Path, mode, access, FileShare.None, 4096, useAsync: true);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(Path))
            {
                // Another process is appending; its write is one short line.
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string ToJson(PromptActivation activation)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", activation.Timestamp);
            writer.WriteString("promptId", activation.PromptId);
            writer.WriteString("environment", activation.Environment);
            writer.WriteString("fromVersion", activation.FromVersion);
            writer.WriteString("toVersion", activation.ToVersion);
            writer.WriteString("activatedBy", activation.ActivatedBy);
            writer.WriteString("reason", activation.Reason);
            writer.WriteString("kind", ActivationKindText.Of(activation.Kind));
            writer.WriteString("id", activation.Id);
            if (activation.RelatesTo is not null)
            {
                writer.WriteString("relatesTo", activation.RelatesTo);
            }

            if (activation.Rollout is not null)
            {
                writer.WriteString("rollout", activation.Rollout);
            }
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private PromptActivation FromJson(string line, int number)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return new PromptActivation
            {
                Timestamp = root.GetProperty("timestamp").GetDateTimeOffset(),
                PromptId = Required(root, "promptId"),
                Environment = Required(root, "environment"),
                FromVersion = Optional(root, "fromVersion"),
                ToVersion = Required(root, "toVersion"),
                ActivatedBy = Required(root, "activatedBy"),
                Reason = Optional(root, "reason"),
                Kind = ActivationKindText.Parse(Optional(root, "kind")),
                Id = Optional(root, "id") ?? string.Create(CultureInfo.InvariantCulture, $"line{number}"),
                RelatesTo = Optional(root, "relatesTo"),
                Rollout = Optional(root, "rollout"),
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{Path}({number},1): the line is not an activation record ({ex.Message.TrimEnd('.')}). Each line must be one JSON object written by PromptOps; fix or remove the line."), ex);
        }
    }

    private static string Required(JsonElement root, string name) =>
        root.GetProperty(name).GetString() is { Length: > 0 } value ? value : throw new FormatException($"'{name}' is empty");

    private static string? Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
