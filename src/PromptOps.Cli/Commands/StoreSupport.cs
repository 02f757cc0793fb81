using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace PromptOps.Cli.Commands;

/// <summary>What the verbs that read the SQLite store share: the <c>--store</c> option, opening it, and reading dates.</summary>
internal static class StoreSupport
{
    /// <summary>The JSON of <c>report</c> and <c>calls</c>: camelCase, indented, enums by name.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase), new MillisecondsConverter() },
    };

    /// <summary>Writes durations (latencies, time to first token) as milliseconds, a number a dashboard can use.</summary>
    private sealed class MillisecondsConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TimeSpan.FromMilliseconds(reader.GetDouble());

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
            writer.WriteNumberValue(Math.Round(value.TotalMilliseconds, 3));
    }

    public static Option<FileInfo> StoreOption() => new("--store")
    {
        Description = "The PromptOps SQLite store, the file given to AddSqliteStore (for example promptops.db).",
        Required = true,
    };

    /// <summary>Opens an existing store; a missing file is a usage error (exit 2), never an empty new store.</summary>
    public static SqliteCallStore Open(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new CliUsageException($"The store '{file.FullName}' does not exist. Pass the file the application writes (AddSqliteStore(\"Data Source=...\")), for example --store promptops.db.");
        }

        return SqliteStoreBuilderExtensions.OpenSqliteStore($"Data Source={file.FullName}");
    }

    /// <summary>Reads <c>2026-11-01</c> (UTC midnight) or a full ISO 8601 time; anything else is a usage error naming the option.</summary>
    public static DateTimeOffset? ParseTime(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        throw new CliUsageException($"{option} '{text}' is not a date. Use ISO 8601, for example {option} 2026-11-01 or {option} 2026-11-01T08:00:00Z.");
    }

    /// <summary>A console that writes plain text (no colours, no cursor control) to the command's output, for tables.</summary>
    public static IAnsiConsole PlainConsole(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 160;
        return console;
    }
}
