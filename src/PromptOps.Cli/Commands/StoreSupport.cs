using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace PromptOps.Cli.Commands;

/// <summary>What the verbs that read a store share: the <c>--store</c> option (SQLite or PostgreSQL), opening it, and reading dates.</summary>
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

    /// <summary>The environment variable read when <c>--store</c> is not given, so that a connection string with a password is not typed on a command line.</summary>
    public const string StoreVariable = "PROMPTOPS_STORE";

    public static Option<string?> StoreOption(string? description = null) => new("--store")
    {
        Description = description ?? $"The PromptOps store: the SQLite file given to AddSqliteStore (promptops.db), or the PostgreSQL database given to AddPostgreSqlStore (\"Host=...;Database=...\" or postgres://...). Default: the {StoreVariable} environment variable.",
    };

    /// <summary>Returns <see langword="true"/> for a PostgreSQL connection string or URL, <see langword="false"/> for a SQLite file.</summary>
    public static bool IsPostgreSql(string store) =>
        store.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || store.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || (store.Contains('=', StringComparison.Ordinal) && (store.Contains("Host", StringComparison.OrdinalIgnoreCase) || store.Contains("Server", StringComparison.OrdinalIgnoreCase)));

    /// <summary>The <c>--store</c> value, or the <see cref="StoreVariable"/> environment variable; neither is a usage error.</summary>
    public static string Resolve(string? store) =>
        store is { Length: > 0 } ? store
        : Environment.GetEnvironmentVariable(StoreVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : throw new CliUsageException($"No store given. Pass --store promptops.db (SQLite) or --store \"Host=...;Database=...\" (PostgreSQL), or set the {StoreVariable} environment variable.");

    /// <summary>
    /// Opens an existing store; a missing file or a database without the PromptOps tables is a usage error (exit 2), never
    /// an empty new store, unless <paramref name="createSqlite"/> lets a missing SQLite file be created (for <c>activate</c>).
    /// </summary>
    public static OpenStore Open(string? store, bool createSqlite = false)
    {
        var text = Resolve(store);
        if (IsPostgreSql(text))
        {
            string connectionString;
            try
            {
                connectionString = PostgreSqlStore.NormalizeConnectionString(text);
            }
            catch (ArgumentException ex)
            {
                throw new CliUsageException($"--store: {ex.Message}");
            }

            // The schema an application chose with PostgreSqlStoreOptions.Schema is named with Npgsql's own keyword.
            var searchPath = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).SearchPath;
            var schema = searchPath?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "promptops";
            try
            {
                PostgreSqlDatabase.ValidateSchema(schema);
            }
            catch (ArgumentException ex)
            {
                throw new CliUsageException($"--store: Search Path names the schema '{schema}': {ex.Message}");
            }

            var database = new PostgreSqlDatabase(Npgsql.NpgsqlDataSource.Create(connectionString), ownsDataSource: true, schema, migrate: false);
            var hint = store is { Length: > 0 } ? "\"<the same connection string>\"" : $"\"${StoreVariable}\"";
            return new OpenStore(new PostgreSqlCallStore(database), new PostgreSqlActivationLog(database), new PostgreSqlFeedbackStore(database), database.Name, hint, database);
        }

        var file = new FileInfo(text);
        if (!file.Exists && !createSqlite)
        {
            throw new CliUsageException($"The store '{file.FullName}' does not exist. Pass the file the application writes (AddSqliteStore(\"Data Source=...\")), for example --store promptops.db, or a PostgreSQL connection string.");
        }

        var sqlite = SqliteStoreBuilderExtensions.OpenSqliteStore($"Data Source={file.FullName}");
        return new OpenStore(sqlite, SqliteStoreBuilderExtensions.OpenActivationLog($"Data Source={file.FullName}"), SqliteStoreBuilderExtensions.OpenFeedbackStore($"Data Source={file.FullName}"), sqlite.DatabasePath, file.Name, null);
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

/// <summary>A store opened by a command: its records, activation log and feedback, its name for messages, and what to pass to <c>--store</c> in hints.</summary>
internal sealed record OpenStore(ICallStore Calls, IActivationLog Activations, IFeedbackStore Feedback, string Name, string Hint, IAsyncDisposable? Owner) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Owner?.DisposeAsync() ?? ValueTask.CompletedTask;
}
