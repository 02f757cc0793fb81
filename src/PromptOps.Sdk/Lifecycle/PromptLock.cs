using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PromptOps;

/// <summary>
/// The contents of <c>prompts.lock.json</c>: a SHA-256 per published (or deprecated) prompt version, so that an edit to a
/// published version is caught at load, in <c>promptops lint</c> and in CI.
/// </summary>
/// <remarks>
/// The hash covers the file text with line endings normalised to <c>\n</c> and the top-level <c>status:</c> line left
/// out, so that deprecating a version (changing only its status) is allowed while any other edit is not.
/// </remarks>
internal sealed partial class PromptLock
{
    public const string FileName = "prompts.lock.json";
    private const string HashPrefix = "sha256:";
    private const int FormatVersion = 1;

    private static readonly SearchValues<char> s_hexLower = SearchValues.Create("0123456789abcdef");
    private static readonly Comparer<string> s_versionOrder = Comparer<string>.Create(CompareVersions);

    private readonly SortedDictionary<string, SortedDictionary<string, LockEntry>> _prompts = new(StringComparer.Ordinal);

    /// <summary>One hash, with where it was read (line and column), for diagnostics.</summary>
    public sealed record LockEntry(string Hash, int Line, int Column);

    public int Count => _prompts.Values.Sum(versions => versions.Count);

    public IEnumerable<(string Id, string Version, LockEntry Entry)> Entries =>
        _prompts.SelectMany(prompt => prompt.Value.Select(version => (prompt.Key, version.Key, version.Value)));

    public bool TryGet(string id, string version, out LockEntry entry)
    {
        entry = null!;
        return _prompts.TryGetValue(id, out var versions) && versions.TryGetValue(version, out entry!);
    }

    public void Set(string id, string version, string hash, int line = 0, int column = 0)
    {
        if (!_prompts.TryGetValue(id, out var versions))
        {
            _prompts[id] = versions = new SortedDictionary<string, LockEntry>(s_versionOrder);
        }

        versions[version] = new LockEntry(hash, line, column);
    }

    public bool Remove(string id, string version)
    {
        if (!_prompts.TryGetValue(id, out var versions) || !versions.Remove(version))
        {
            return false;
        }

        if (versions.Count == 0)
        {
            _prompts.Remove(id);
        }

        return true;
    }

    /// <summary>Computes the lock hash of a prompt file's text: <c>sha256:&lt;hex&gt;</c>.</summary>
    public static string ComputeHash(string content)
    {
        var normalized = content.TrimStart('\uFEFF').ReplaceLineEndings("\n");
        normalized = StatusLine().Replace(normalized, string.Empty);
        return HashPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }

    /// <summary>Writes the lock as stable, sorted, indented JSON (one line per version, so reviews show exactly what changed).</summary>
    public string ToJson()
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("lockVersion", FormatVersion);
            writer.WriteStartObject("prompts");
            foreach (var (id, versions) in _prompts)
            {
                writer.WriteStartObject(id);
                foreach (var (version, entry) in versions)
                {
                    writer.WriteString(version, entry.Hash);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Reads a lock file; every problem is added to <paramref name="diagnostics"/> with its line and column.</summary>
    /// <returns>The lock, or <see langword="null"/> when the file is malformed (nothing of it can be trusted).</returns>
    public static PromptLock? Parse(string text, string path, List<PromptDiagnostic> diagnostics)
    {
        var bytes = Encoding.UTF8.GetBytes(text.TrimStart('\uFEFF'));
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var result = new PromptLock();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Fail(bytes, reader, "The lock file must be a JSON object: { \"lockVersion\": 1, \"prompts\": { \"<id>\": { \"<version>\": \"sha256:...\" } } }.");
            }

            var sawPrompts = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "lockVersion":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var formatVersion))
                        {
                            return Fail(bytes, reader, "'lockVersion' must be a number.");
                        }

                        if (formatVersion > FormatVersion)
                        {
                            return Fail(bytes, reader, $"The lock file has lockVersion {formatVersion}, which is newer than this PromptOps understands ({FormatVersion}). Update the PromptOps packages and the promptops tool.");
                        }

                        break;
                    case "prompts":
                        sawPrompts = true;
                        if (ReadPrompts(ref reader, bytes, result, path, diagnostics) is false)
                        {
                            return null;
                        }

                        break;
                    default:
                        return Fail(bytes, reader, $"Unknown property '{name}'. A lock file has only 'lockVersion' and 'prompts'; regenerate it with 'promptops lock'.");
                }
            }

            return sawPrompts ? result : Fail(bytes, reader, "The lock file has no 'prompts' object. Regenerate it with 'promptops lock'.");
        }
        catch (JsonException ex)
        {
            diagnostics.Add(Error(path, (int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1,
                $"The lock file is not valid JSON: {ex.Message.Split(" LineNumber", StringSplitOptions.None)[0].TrimEnd('.')}. Fix it, or delete it and run 'promptops lock' to write it again."));
            return null;
        }

        PromptLock? Fail(byte[] source, Utf8JsonReader at, string message)
        {
            var (line, column) = Position(source, at.TokenStartIndex);
            diagnostics.Add(Error(path, line, column, message));
            return null;
        }
    }

    private static bool ReadPrompts(ref Utf8JsonReader reader, byte[] bytes, PromptLock result, string path, List<PromptDiagnostic> diagnostics)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return AddError(reader, "'prompts' must be an object of prompt ids.");
        }

        // Entries come in file order, so their positions are counted on from the previous one, not from the file's start.
        var lines = new LineCounter();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var id = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return AddError(reader, $"The entry of prompt '{id}' must be an object of versions and hashes, for example {{ \"1.0.0\": \"sha256:...\" }}.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var version = reader.GetString()!;
                reader.Read();
                var (line, column) = lines.At(bytes, reader.TokenStartIndex);
                var hash = reader.TokenType == JsonTokenType.String ? reader.GetString()! : null;
                if (hash is null || !hash.StartsWith(HashPrefix, StringComparison.Ordinal) || hash.Length != HashPrefix.Length + 64 || hash.AsSpan(HashPrefix.Length).ContainsAnyExcept(s_hexLower))
                {
                    return AddError(reader, $"The hash of '{id}' version '{version}' must be \"sha256:\" followed by 64 lowercase hex digits. Do not edit hashes by hand: run 'promptops lock'.");
                }

                if (result.TryGet(id, version, out _))
                {
                    return AddError(reader, $"'{id}' version '{version}' appears twice. Remove one entry, or run 'promptops lock'.");
                }

                result.Set(id, version, hash, line, column);
            }
        }

        return true;

        bool AddError(Utf8JsonReader at, string message)
        {
            var (line, column) = Position(bytes, at.TokenStartIndex);
            diagnostics.Add(Error(path, line, column, message));
            return false;
        }
    }

    private static (int Line, int Column) Position(byte[] bytes, long index) => new LineCounter().At(bytes, index);

    /// <summary>SemVer order (so 9.0.0 comes before 10.0.0), then ordinal, so every text has one place.</summary>
    private static int CompareVersions(string left, string right)
    {
        var bySemVer = PromptVersion.TryParse(left, out var l) && PromptVersion.TryParse(right, out var r) ? l.CompareTo(r) : 0;
        return bySemVer != 0 ? bySemVer : string.CompareOrdinal(left, right);
    }

    /// <summary>Turns byte offsets into 1-based lines and columns, counting on from the last offset asked for.</summary>
    private struct LineCounter
    {
        private int _counted;
        private int _newlines;
        private int _lineStart;

        public (int Line, int Column) At(byte[] bytes, long index)
        {
            var end = (int)Math.Min(index, bytes.Length);
            if (end < _counted)
            {
                this = default;
            }

            var skipped = bytes.AsSpan(_counted, end - _counted);
            _newlines += skipped.Count((byte)'\n');
            if (skipped.LastIndexOf((byte)'\n') is var last and >= 0)
            {
                _lineStart = _counted + last + 1;
            }

            _counted = end;
            return (_newlines + 1, (int)index - _lineStart + 1);
        }
    }

    private static PromptDiagnostic Error(string path, int line, int column, string message) =>
        new(PromptDiagnosticCodes.InvalidLockFile, PromptDiagnosticSeverity.Error, message, path, line, column);

    [GeneratedRegex(@"^status:[^\n]*(\n|$)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex StatusLine();
}
