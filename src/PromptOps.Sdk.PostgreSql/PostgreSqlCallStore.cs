using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace PromptOps;

/// <summary>
/// Answers queries over the call records and the spend ledger of a PostgreSQL store, for every instance that writes to it:
/// one request, filtered records, aggregates for cost reports (computed by the server), spend per budget period, and
/// retention. The records are written by the store's call sink, which <c>AddPostgreSqlStore(...)</c> registers beside it.
/// </summary>
public sealed class PostgreSqlCallStore : ICallStore
{
    private const int DeleteChunk = 10_000;

    private readonly PostgreSqlDatabase _database;

    internal PostgreSqlCallStore(PostgreSqlDatabase database)
    {
        _database = database;
    }

    /// <summary>Gets the server, database and schema of the store (never the password), for messages.</summary>
    public string StoreName => _database.Name;

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromptCallRecord>> GetRequestAsync(string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestId);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {PostgreSqlCallWriter.Columns} FROM {_database.Schema}.calls WHERE request_id = $1 ORDER BY started_at, id;", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = requestId });
        return await ReadRecordsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromptCallRecord>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand { Connection = connection };
        var where = Where(query, command);
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Max(0, query.Limit) });
        command.CommandText = $"SELECT {PostgreSqlCallWriter.Columns} FROM {_database.Schema}.calls{where} ORDER BY started_at DESC, id DESC LIMIT ${command.Parameters.Count};";
        return await ReadRecordsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CallAggregate>> AggregateAsync(CallQuery query, IReadOnlyList<CallGrouping> groupBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(groupBy);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand { Connection = connection };
        var where = Where(query, command);
        var keys = groupBy.Select(GroupKey).ToList();
        var select = new StringBuilder("SELECT ");
        for (var i = 0; i < keys.Count; i++)
        {
            select.Append(keys[i]).Append(" AS k").Append(i.ToString(CultureInfo.InvariantCulture)).Append(", ");
        }

        select.Append("count(*), count(*) FILTER (WHERE NOT success), COALESCE(sum(input_tokens), 0)::bigint, COALESCE(sum(output_tokens), 0)::bigint, COALESCE(sum(cached_input_tokens), 0)::bigint, ")
            .Append("COALESCE(sum(cost_usd), 0), count(*) FILTER (WHERE cost_usd IS NULL AND success), ")
            .Append("percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ticks), percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ticks), ")
            .Append("percentile_disc(0.5) WITHIN GROUP (ORDER BY time_to_first_token_ticks) ")
            .Append("FROM ").Append(_database.Schema).Append(".calls").Append(where);
        if (keys.Count > 0)
        {
            select.Append(" GROUP BY ").Append(string.Join(", ", Enumerable.Range(0, keys.Count).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture))));
        }

        command.CommandText = select.Append(';').ToString();
        var aggregates = new List<CallAggregate>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var n = keys.Count;
                var calls = reader.GetInt64(n);
                if (calls == 0)
                {
                    continue; // no rows and no grouping: one empty row, which SQLite's store does not report either
                }

                aggregates.Add(new CallAggregate
                {
                    Keys = [.. Enumerable.Range(0, n).Select(reader.GetString)],
                    Calls = calls,
                    Errors = reader.GetInt64(n + 1),
                    InputTokens = reader.GetInt64(n + 2),
                    OutputTokens = reader.GetInt64(n + 3),
                    CachedInputTokens = reader.GetInt64(n + 4),
                    Cost = reader.GetDecimal(n + 5),
                    UnpricedCalls = reader.GetInt64(n + 6),
                    P50Latency = TimeSpan.FromTicks(reader.GetInt64(n + 7)),
                    P95Latency = TimeSpan.FromTicks(reader.GetInt64(n + 8)),
                    P50TimeToFirstToken = reader.IsDBNull(n + 9) ? null : TimeSpan.FromTicks(reader.GetInt64(n + 9)),
                });
            }
        }

        return StoreOrdering.Aggregates(aggregates, groupBy);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BudgetSpend>> GetBudgetSpendAsync(DateTimeOffset? startedFrom = null, DateTimeOffset? startedBefore = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT l.budget, COALESCE(b.scope, '?'), l.scope_value, COALESCE(b.period, '?'), l.period_start, b.limit_usd, l.spent_nanousd "
            + $"FROM {_database.Schema}.spend_ledger l LEFT JOIN {_database.Schema}.spend_budgets b ON b.name = l.budget "
            + "WHERE ($1::timestamptz IS NULL OR l.period_start >= $1) AND ($2::timestamptz IS NULL OR l.period_start < $2);",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)startedFrom?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)startedBefore?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var spend = new List<BudgetSpend>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            spend.Add(new BudgetSpend(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                new DateTimeOffset(reader.GetDateTime(4).ToUniversalTime(), TimeSpan.Zero),
                reader.IsDBNull(5) ? null : reader.GetDecimal(5),
                PostgreSqlDatabase.FromNanoUsd(reader.GetInt64(6))));
        }

        return StoreOrdering.BudgetPeriods(spend);
    }

    /// <inheritdoc />
    /// <remarks>Deletes in chunks of 10,000 rows, each its own statement, so writers from other instances are never held up for long.</remarks>
    public async Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"DELETE FROM {_database.Schema}.calls WHERE id IN (SELECT id FROM {_database.Schema}.calls WHERE started_at < $1 LIMIT {DeleteChunk});",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = cutoff.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        long total = 0;
        int deleted;
        do
        {
            deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            total += deleted;
        }
        while (deleted == DeleteChunk);

        // Feedback goes with its calls.
        await using var feedback = new NpgsqlCommand(
            $"DELETE FROM {_database.Schema}.feedback f WHERE NOT EXISTS (SELECT 1 FROM {_database.Schema}.calls c WHERE c.request_id = f.request_id);",
            connection);
        await feedback.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return total;
    }

    private static async Task<IReadOnlyList<PromptCallRecord>> ReadRecordsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var records = new List<PromptCallRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(new PromptCallRecord
            {
                RequestId = reader.GetString(0),
                Timestamp = new DateTimeOffset(reader.GetDateTime(1).ToUniversalTime(), TimeSpan.Zero),
                Feature = reader.GetString(2),
                UserId = String(reader, 3),
                TenantId = String(reader, 4),
                PromptId = String(reader, 5),
                PromptVersion = String(reader, 6),
                Variant = String(reader, 7),
                Label = String(reader, 8),
                Model = String(reader, 9),
                DowngradedFrom = String(reader, 10),
                ResponseModel = String(reader, 11),
                Provider = String(reader, 12),
                Temperature = reader.IsDBNull(13) ? null : reader.GetFloat(13),
                MaxOutputTokens = reader.IsDBNull(14) ? null : reader.GetInt32(14),
                InputTokens = Long(reader, 15),
                OutputTokens = Long(reader, 16),
                CachedInputTokens = Long(reader, 17),
                CacheWriteInputTokens = Long(reader, 18),
                ReasoningTokens = Long(reader, 19),
                EstimatedInputTokens = reader.IsDBNull(20) ? null : reader.GetInt32(20),
                UsageEstimated = reader.GetBoolean(21),
                UsageClamped = reader.GetBoolean(22),
                Latency = TimeSpan.FromTicks(reader.GetInt64(23)),
                TimeToFirstToken = reader.IsDBNull(24) ? null : TimeSpan.FromTicks(reader.GetInt64(24)),
                Cost = reader.IsDBNull(25) ? null : reader.GetDecimal(25),
                PriceSource = String(reader, 26),
                ToolsAvailable = reader.GetFieldValue<string[]>(27),
                ToolsCalled = reader.GetFieldValue<string[]>(28),
                FinishReason = String(reader, 29),
                Success = reader.GetBoolean(30),
                ErrorType = String(reader, 31),
                Error = String(reader, 32),
                Streaming = reader.GetBoolean(33),
                Tags = JsonSerializer.Deserialize(reader.GetString(34), PostgreSqlJson.Default.DictionaryStringString) ?? [],
                InputContent = String(reader, 35),
                OutputContent = String(reader, 36),
            });
        }

        return records;
    }

    private static string Where(CallQuery query, NpgsqlCommand command)
    {
        var where = new StringBuilder();
        void Add(string column, string op, object? value, NpgsqlDbType type)
        {
            if (value is null)
            {
                return;
            }

            command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
            where.Append(where.Length == 0 ? " WHERE " : " AND ").Append(column).Append(' ').Append(op).Append(" $").Append(command.Parameters.Count.ToString(CultureInfo.InvariantCulture));
        }

        Add("started_at", ">=", query.From?.UtcDateTime, NpgsqlDbType.TimestampTz);
        Add("started_at", "<", query.To?.UtcDateTime, NpgsqlDbType.TimestampTz);
        Add("feature", "=", query.Feature, NpgsqlDbType.Text);
        Add("model", "=", query.Model, NpgsqlDbType.Text);
        Add("user_id", "=", query.UserId, NpgsqlDbType.Text);
        Add("tenant_id", "=", query.TenantId, NpgsqlDbType.Text);
        Add("prompt_id", "=", query.PromptId, NpgsqlDbType.Text);
        Add("prompt_version", "=", query.PromptVersion, NpgsqlDbType.Text);
        Add("label", "=", query.Label, NpgsqlDbType.Text);
        Add("success", "=", query.Success, NpgsqlDbType.Boolean);
        return where.ToString();
    }

    private static string GroupKey(CallGrouping grouping) => grouping switch
    {
        CallGrouping.Feature => "feature",
        CallGrouping.Model => "COALESCE(model, '(none)')",
        CallGrouping.User => "COALESCE(user_id, '(none)')",
        CallGrouping.Tenant => "COALESCE(tenant_id, '(none)')",
        CallGrouping.Prompt => "COALESCE(prompt_id, '(none)')",
        CallGrouping.PromptVersion => "CASE WHEN prompt_id IS NULL THEN '(none)' ELSE prompt_id || '@' || COALESCE(prompt_version, '?') END",
        CallGrouping.Day => "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        CallGrouping.Hour => "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:00')",
        CallGrouping.Variant => "COALESCE(variant, '(none)')",
        _ => throw new ArgumentOutOfRangeException(nameof(grouping), grouping, "Unknown grouping."),
    };

    private static string? String(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? Long(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}
