using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SQLitePCL;

namespace PromptOps;

/// <summary>
/// Writes call records to the SQLite store: each batch the dispatcher hands it in one transaction, with one prepared insert.
/// The dispatcher owns the queue, the retries and the counting of what could not be written; a failure here is reported as
/// a <see cref="PromptOpsException"/> that says what to do about it. A file deleted while running is created again.
/// </summary>
internal sealed partial class SqliteCallWriter(SqliteDatabase database, ILogger<SqliteCallWriter>? logger = null) : IPromptCallSink
{
    /// <summary>The columns of the <c>calls</c> table that a record fills, in insert order, as SQL.</summary>
    internal const string Columns =
        "request_id, timestamp_ticks, feature, user_id, tenant_id, prompt_id, prompt_version, variant, label, model, downgraded_from, response_model, provider, temperature, max_output_tokens, "
        + "input_tokens, output_tokens, cached_input_tokens, cache_write_input_tokens, reasoning_tokens, estimated_input_tokens, usage_estimated, usage_clamped, latency_ticks, time_to_first_token_ticks, "
        + "cost_usd, price_source, tools_available, tools_called, finish_reason, success, error_type, error, streaming, tags, input_content, output_content";

    private static readonly string[] ColumnNames = Columns.Split(", ");

    private static readonly string InsertSql = $"INSERT INTO calls ({Columns}) VALUES ({string.Join(", ", ColumnNames.Select((_, i) => "?" + (i + 1).ToString(CultureInfo.InvariantCulture)))});";

    /// <summary>Gets the columns of the <c>calls</c> table that a record fills, in insert order.</summary>
    internal static IReadOnlyList<string> ColumnList => ColumnNames;

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <inheritdoc />
    public ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        try
        {
            if (database.WasDeleted)
            {
                LogFileDeleted(_logger, database.Name);
            }

            Write(records);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new PromptOpsException($"Could not write {records.Count} call record(s) to the PromptOps store '{database.Name}': {ex.Message} {Hint(ex)}", ex);
        }

        return ValueTask.CompletedTask;
    }

    private void Write(IReadOnlyList<PromptCallRecord> batch)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);

        // One statement per batch, bound by position and stepped through SQLite's own API: a SqliteCommand would look up
        // all 37 parameters by name and open a data reader for every row, which cost as much as the insert itself.
        var rc = raw.sqlite3_prepare_v2(connection.Handle, InsertSql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
        using (statement)
        {
            foreach (var record in batch)
            {
                var values = Values(record);
                for (var i = 0; i < values.Length; i++)
                {
                    rc = values[i] switch
                    {
                        null => raw.sqlite3_bind_null(statement, i + 1),
                        long number => raw.sqlite3_bind_int64(statement, i + 1, number),
                        double real => raw.sqlite3_bind_double(statement, i + 1, real),
                        string text => raw.sqlite3_bind_text(statement, i + 1, text),
                        // Values() yields only these types; were that ever broken, the dispatcher counts the batch as lost and logs it.
                        var other => throw new PromptOpsException($"Column {ColumnNames[i]} has a value of type {other.GetType()}, which the store cannot write. This is a bug in PromptOps.Sdk.Sqlite; please report it."),
                    };
                    SqliteException.ThrowExceptionForRC(rc, connection.Handle);
                }

                rc = raw.sqlite3_step(statement);
                if (rc != raw.SQLITE_DONE)
                {
                    SqliteException.ThrowExceptionForRC(rc, connection.Handle);
                }

                raw.sqlite3_reset(statement);
            }
        }

        transaction.Commit();
    }

    /// <summary>The column values of a record, in <see cref="ColumnList"/> order.</summary>
    internal static object?[] Values(PromptCallRecord r) =>
    [
        r.RequestId, r.Timestamp.UtcTicks, r.Feature, r.UserId, r.TenantId, r.PromptId, r.PromptVersion, r.Variant, r.Label, r.Model, r.DowngradedFrom,
        r.ResponseModel, r.Provider, r.Temperature is { } t ? (double)t : null, r.MaxOutputTokens is { } m ? (long)m : null,
        r.InputTokens, r.OutputTokens, r.CachedInputTokens, r.CacheWriteInputTokens, r.ReasoningTokens, r.EstimatedInputTokens is { } e ? (long)e : null,
        r.UsageEstimated ? 1L : 0L, r.UsageClamped ? 1L : 0L, r.Latency.Ticks, r.TimeToFirstToken?.Ticks,
        r.Cost?.ToString(CultureInfo.InvariantCulture), r.PriceSource, JsonSerializer.Serialize([.. r.ToolsAvailable], SqliteJson.Default.StringArray), JsonSerializer.Serialize([.. r.ToolsCalled], SqliteJson.Default.StringArray),
        r.FinishReason, r.Success ? 1L : 0L, r.ErrorType, r.Error, r.Streaming ? 1L : 0L, JsonSerializer.Serialize(new Dictionary<string, string>(r.Tags), SqliteJson.Default.DictionaryStringString), r.InputContent, r.OutputContent,
    ];

    private static string Hint(Exception exception) => exception is SqliteException sqlite
        ? sqlite.SqliteErrorCode switch
        {
            5 or 6 => "Another process holds the file locked; raise SqliteStoreOptions.BusyTimeout or stop the other writer.",
            8 => "The file or its directory is read-only; give the process write access or use another path.",
            13 => "The disk is full; free space or set SqliteStoreOptions.RetentionDays.",
            14 => "The file cannot be opened; check that its directory exists and is writable.",
            _ => "Check the file and its directory.",
        }
        : "Check the file and its directory.";

    [LoggerMessage(EventId = 2503, Level = LogLevel.Warning, Message = "The PromptOps store '{Path}' was deleted while the application ran; it is created again, empty, and new records go there.")]
    private static partial void LogFileDeleted(ILogger logger, string path);
}
