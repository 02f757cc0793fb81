using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace PromptOps;

/// <summary>
/// Writes call records to the PostgreSQL store: each batch the dispatcher hands it in one binary <c>COPY</c>. The dispatcher
/// owns the bounded queue, the retries and the counting of what could not be written (the drop metric); a failure here is
/// reported as a <see cref="PromptOpsException"/> that names the store and says what to do.
/// </summary>
internal sealed class PostgreSqlCallWriter(PostgreSqlDatabase database) : IPromptCallSink
{
    /// <summary>The columns of the <c>calls</c> table that a record fills, in copy order, as SQL.</summary>
    internal const string Columns =
        "request_id, started_at, feature, user_id, tenant_id, prompt_id, prompt_version, variant, label, model, downgraded_from, response_model, provider, temperature, max_output_tokens, "
        + "input_tokens, output_tokens, cached_input_tokens, cache_write_input_tokens, reasoning_tokens, estimated_input_tokens, usage_estimated, usage_clamped, latency_ticks, time_to_first_token_ticks, "
        + "cost_usd, price_source, tools_available, tools_called, finish_reason, success, error_type, error, streaming, tags, input_content, output_content";

    /// <inheritdoc />
    public async ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var importer = await connection.BeginBinaryImportAsync($"COPY {database.Schema}.calls ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
            foreach (var record in records)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                Write(importer, record);
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            throw new PromptOpsException($"Could not write {records.Count} call record(s) to the PromptOps store {database.Name}: {ex.Message} {PostgreSqlErrors.Hint(ex)}", ex);
        }
    }

    /// <summary>Writes one row's values, in <see cref="Columns"/> order.</summary>
    private static void Write(NpgsqlBinaryImporter row, PromptCallRecord r)
    {
        Text(row, r.RequestId);
        row.Write(r.Timestamp.UtcDateTime, NpgsqlDbType.TimestampTz);
        Text(row, r.Feature);
        Text(row, r.UserId);
        Text(row, r.TenantId);
        Text(row, r.PromptId);
        Text(row, r.PromptVersion);
        Text(row, r.Variant);
        Text(row, r.Label);
        Text(row, r.Model);
        Text(row, r.DowngradedFrom);
        Text(row, r.ResponseModel);
        Text(row, r.Provider);
        Value(row, r.Temperature, NpgsqlDbType.Real);
        Value(row, r.MaxOutputTokens, NpgsqlDbType.Integer);
        Value(row, r.InputTokens, NpgsqlDbType.Bigint);
        Value(row, r.OutputTokens, NpgsqlDbType.Bigint);
        Value(row, r.CachedInputTokens, NpgsqlDbType.Bigint);
        Value(row, r.CacheWriteInputTokens, NpgsqlDbType.Bigint);
        Value(row, r.ReasoningTokens, NpgsqlDbType.Bigint);
        Value(row, r.EstimatedInputTokens, NpgsqlDbType.Integer);
        row.Write(r.UsageEstimated, NpgsqlDbType.Boolean);
        row.Write(r.UsageClamped, NpgsqlDbType.Boolean);
        row.Write(r.Latency.Ticks, NpgsqlDbType.Bigint);
        Value(row, r.TimeToFirstToken?.Ticks, NpgsqlDbType.Bigint);
        Value(row, r.Cost, NpgsqlDbType.Numeric);
        Text(row, r.PriceSource);
        row.Write(r.ToolsAvailable.Select(Clean).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        row.Write(r.ToolsCalled.Select(Clean).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        Text(row, r.FinishReason);
        row.Write(r.Success, NpgsqlDbType.Boolean);
        Text(row, r.ErrorType);
        Text(row, r.Error);
        row.Write(r.Streaming, NpgsqlDbType.Boolean);
        row.Write(JsonSerializer.Serialize(r.Tags.ToDictionary(t => Clean(t.Key), t => Clean(t.Value), StringComparer.Ordinal), PostgreSqlJson.Default.DictionaryStringString), NpgsqlDbType.Jsonb);
        Text(row, r.InputContent);
        Text(row, r.OutputContent);
    }

    private static void Text(NpgsqlBinaryImporter row, string? value)
    {
        if (value is null)
        {
            row.WriteNull();
        }
        else
        {
            row.Write(Clean(value), NpgsqlDbType.Text);
        }
    }

    private static void Value<T>(NpgsqlBinaryImporter row, T? value, NpgsqlDbType type)
        where T : struct
    {
        if (value is { } v)
        {
            row.Write(v, type);
        }
        else
        {
            row.WriteNull();
        }
    }

    /// <summary>PostgreSQL text cannot hold U+0000: it is stored as U+FFFD (documented), so the row is kept rather than the batch lost.</summary>
    internal static string Clean(string text) => text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;
}
