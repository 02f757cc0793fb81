using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace PromptOps;

/// <summary>
/// Answers queries over the call records and the spend ledger of a SQLite store: one request, filtered records, aggregates
/// for cost reports, spend per budget period, and retention. The records are written by the store's call sink, which
/// <c>AddSqliteStore(...)</c> registers beside it.
/// </summary>
public sealed class SqliteCallStore : ICallStore
{
    private readonly SqliteDatabase _database;

    internal SqliteCallStore(SqliteDatabase database)
    {
        _database = database;
    }

    /// <summary>Gets the full path of the database file, or the data source of an in-memory database.</summary>
    public string DatabasePath => _database.Name;

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromptCallRecord>> GetRequestAsync(string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestId);
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SqliteCallWriter.Columns} FROM calls WHERE request_id = $id ORDER BY timestamp_ticks, id;";
        command.Parameters.AddWithValue("$id", requestId);
        return await ReadRecordsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromptCallRecord>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        var where = Where(query, command);
        command.CommandText = $"SELECT {SqliteCallWriter.Columns} FROM calls{where} ORDER BY timestamp_ticks DESC, id DESC LIMIT $limit;";
        command.Parameters.AddWithValue("$limit", Math.Max(0, query.Limit));
        return await ReadRecordsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Grouped and summed by SQLite itself over the <c>calls_aggregates</c> index, so a month of a million records is one pass
    /// inside the engine that never reads the recorded content. Costs are summed as whole pico-dollars, which is exact for
    /// costs with at most 12 decimals below $1,000 a call (every price table's); otherwise the sum is made again with an exact
    /// decimal aggregate. Latency percentiles come from an aggregate function this store registers on its connection.
    /// </remarks>
    public async Task<IReadOnlyList<CallAggregate>> AggregateAsync(CallQuery query, IReadOnlyList<CallGrouping> groupBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(groupBy);
        await using var connection = _database.Open();
        SqliteAggregates.Register(connection);
        try
        {
            if (await AggregateAsync(connection, query, groupBy, exactDecimals: false, cancellationToken).ConfigureAwait(false) is { } aggregates)
            {
                return aggregates;
            }
        }
        catch (SqliteException ex) when (ex.Message.Contains("integer overflow", StringComparison.Ordinal))
        {
            // A group cost more than $9.2 million in pico-dollars: sum it as decimals below.
        }

        return (await AggregateAsync(connection, query, groupBy, exactDecimals: true, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BudgetSpend>> GetBudgetSpendAsync(DateTimeOffset? startedFrom = null, DateTimeOffset? startedBefore = null, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT l.budget, COALESCE(b.scope, '?'), l.scope_value, COALESCE(b.period, '?'), l.period_start_ticks, b.limit_usd, l.spent_nanousd "
            + "FROM spend_ledger l LEFT JOIN spend_budgets b ON b.name = l.budget "
            + "WHERE ($from IS NULL OR l.period_start_ticks >= $from) AND ($to IS NULL OR l.period_start_ticks < $to);";
        command.Parameters.AddWithValue("$from", (object?)startedFrom?.UtcTicks ?? DBNull.Value);
        command.Parameters.AddWithValue("$to", (object?)startedBefore?.UtcTicks ?? DBNull.Value);
        var spend = new List<BudgetSpend>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            spend.Add(new BudgetSpend(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero),
                reader.IsDBNull(5) ? null : SqliteDatabase.ParseUsd(reader.GetString(5)),
                SqliteDatabase.FromNanoUsd(reader.GetInt64(6))));
        }

        return StoreOrdering.BudgetPeriods(spend);
    }

    /// <inheritdoc />
    public async Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM calls WHERE timestamp_ticks < $cutoff;";
        command.Parameters.AddWithValue("$cutoff", cutoff.UtcTicks);
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        // Feedback goes with its calls.
        await using var feedback = connection.CreateCommand();
        feedback.CommandText = "DELETE FROM feedback WHERE NOT EXISTS (SELECT 1 FROM calls WHERE calls.request_id = feedback.request_id);";
        await feedback.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>One aggregate query; <see langword="null"/> when pico-dollars cannot hold a cost exactly and decimals are needed.</summary>
    private static async Task<IReadOnlyList<CallAggregate>?> AggregateAsync(SqliteConnection connection, CallQuery query, IReadOnlyList<CallGrouping> groupBy, bool exactDecimals, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        var where = Where(query, command);
        var select = new StringBuilder("SELECT ");
        for (var i = 0; i < groupBy.Count; i++)
        {
            select.Append(GroupKey(groupBy[i])).Append(" AS k").Append(i.ToString(CultureInfo.InvariantCulture)).Append(", ");
        }

        select.Append("count(*), sum(success = 0), sum(coalesce(input_tokens, 0)), sum(coalesce(output_tokens, 0)), sum(coalesce(cached_input_tokens, 0)), ")
            .Append(exactDecimals
                ? SqliteAggregates.DecimalSum + "(cost_usd) FILTER (WHERE cost_usd IS NOT NULL), "
                : "sum(CAST(round(CAST(cost_usd AS REAL) * 1e12) AS INTEGER)), ")
            .Append("sum(cost_usd IS NULL AND success <> 0), ")
            .Append(SqliteAggregates.Percentiles).Append("(latency_ticks), ")
            .Append(SqliteAggregates.Percentiles).Append("(time_to_first_token_ticks) FILTER (WHERE time_to_first_token_ticks IS NOT NULL), ")
            .Append("max(CASE WHEN instr(cost_usd, '.') > 0 THEN length(cost_usd) - instr(cost_usd, '.') ELSE 0 END), max(abs(CAST(cost_usd AS REAL))) ")
            .Append("FROM calls INDEXED BY calls_aggregates").Append(where.Length == 0 ? " WHERE timestamp_ticks >= 0" : where);
        if (groupBy.Count > 0)
        {
            select.Append(" GROUP BY ").Append(string.Join(", ", Enumerable.Range(0, groupBy.Count).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture))));
        }

        command.CommandText = select.Append(';').ToString();
        var aggregates = new List<CallAggregate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var n = groupBy.Count;
            var calls = reader.GetInt64(n);
            if (calls == 0)
            {
                continue; // no rows and no grouping: SQLite still returns one row of empty totals
            }

            if (!exactDecimals && !reader.IsDBNull(n + 10) && (reader.GetInt64(n + 9) > 12 || reader.GetDouble(n + 10) >= 1000))
            {
                return null;
            }

            var latency = SqliteAggregates.ReadPercentiles(reader, n + 7);
            aggregates.Add(new CallAggregate
            {
                Keys = [.. Enumerable.Range(0, n).Select(i => GroupValue(reader, i, groupBy[i]))],
                Calls = calls,
                Errors = reader.GetInt64(n + 1),
                InputTokens = reader.GetInt64(n + 2),
                OutputTokens = reader.GetInt64(n + 3),
                CachedInputTokens = reader.GetInt64(n + 4),
                Cost = exactDecimals ? SqliteAggregates.ReadDecimal(reader, n + 5) : reader.IsDBNull(n + 5) ? 0 : SqliteAggregates.FromPicoUsd(reader.GetInt64(n + 5), (int)reader.GetInt64(n + 9)),
                UnpricedCalls = reader.GetInt64(n + 6),
                P50Latency = latency?.P50 ?? TimeSpan.Zero,
                P95Latency = latency?.P95 ?? TimeSpan.Zero,
                P50TimeToFirstToken = SqliteAggregates.ReadPercentiles(reader, n + 8)?.P50,
            });
        }

        return StoreOrdering.Aggregates(aggregates, groupBy);
    }

    private static async Task<IReadOnlyList<PromptCallRecord>> ReadRecordsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var records = new List<PromptCallRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(new PromptCallRecord
            {
                RequestId = reader.GetString(0),
                Timestamp = new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero),
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
                Temperature = reader.IsDBNull(13) ? null : (float)reader.GetDouble(13),
                MaxOutputTokens = reader.IsDBNull(14) ? null : reader.GetInt32(14),
                InputTokens = Long(reader, 15),
                OutputTokens = Long(reader, 16),
                CachedInputTokens = Long(reader, 17),
                CacheWriteInputTokens = Long(reader, 18),
                ReasoningTokens = Long(reader, 19),
                EstimatedInputTokens = reader.IsDBNull(20) ? null : reader.GetInt32(20),
                UsageEstimated = reader.GetInt64(21) != 0,
                UsageClamped = reader.GetInt64(22) != 0,
                Latency = TimeSpan.FromTicks(reader.GetInt64(23)),
                TimeToFirstToken = reader.IsDBNull(24) ? null : TimeSpan.FromTicks(reader.GetInt64(24)),
                Cost = reader.IsDBNull(25) ? null : SqliteDatabase.ParseUsd(reader.GetString(25)),
                PriceSource = String(reader, 26),
                ToolsAvailable = JsonSerializer.Deserialize(reader.GetString(27), SqliteJson.Default.StringArray) ?? [],
                ToolsCalled = JsonSerializer.Deserialize(reader.GetString(28), SqliteJson.Default.StringArray) ?? [],
                FinishReason = String(reader, 29),
                Success = reader.GetInt64(30) != 0,
                ErrorType = String(reader, 31),
                Error = String(reader, 32),
                Streaming = reader.GetInt64(33) != 0,
                Tags = JsonSerializer.Deserialize(reader.GetString(34), SqliteJson.Default.DictionaryStringString) ?? [],
                InputContent = String(reader, 35),
                OutputContent = String(reader, 36),
            });
        }

        return records;
    }

    private static string Where(CallQuery query, SqliteCommand command)
    {
        var where = new StringBuilder();
        void Add(string column, string op, object? value)
        {
            if (value is null)
            {
                return;
            }

            var name = "$p" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
            where.Append(where.Length == 0 ? " WHERE " : " AND ").Append(column).Append(' ').Append(op).Append(' ').Append(name);
            command.Parameters.AddWithValue(name, value);
        }

        Add("timestamp_ticks", ">=", query.From?.UtcTicks);
        Add("timestamp_ticks", "<", query.To?.UtcTicks);
        Add("feature", "=", query.Feature);
        Add("model", "=", query.Model);
        Add("user_id", "=", query.UserId);
        Add("tenant_id", "=", query.TenantId);
        Add("prompt_id", "=", query.PromptId);
        Add("prompt_version", "=", query.PromptVersion);
        Add("label", "=", query.Label);
        Add("success", "=", query.Success is { } success ? (success ? 1L : 0L) : null);
        return where.ToString();
    }

    /// <summary>The SQL expression a grouping groups by; days and hours as whole periods since year 1, named in .NET.</summary>
    private static string GroupKey(CallGrouping grouping) => grouping switch
    {
        CallGrouping.Feature => "feature",
        CallGrouping.Model => "coalesce(model, '(none)')",
        CallGrouping.User => "coalesce(user_id, '(none)')",
        CallGrouping.Tenant => "coalesce(tenant_id, '(none)')",
        CallGrouping.Prompt => "coalesce(prompt_id, '(none)')",
        CallGrouping.PromptVersion => "CASE WHEN prompt_id IS NULL THEN '(none)' ELSE prompt_id || '@' || coalesce(prompt_version, '?') END",
        CallGrouping.Day => string.Create(CultureInfo.InvariantCulture, $"timestamp_ticks / {TimeSpan.TicksPerDay}"),
        CallGrouping.Hour => string.Create(CultureInfo.InvariantCulture, $"timestamp_ticks / {TimeSpan.TicksPerHour}"),
        CallGrouping.Variant => "coalesce(variant, '(none)')",
        _ => throw new ArgumentOutOfRangeException(nameof(grouping), grouping, "Unknown grouping."),
    };

    private static string GroupValue(SqliteDataReader reader, int ordinal, CallGrouping grouping) => grouping switch
    {
        CallGrouping.Day => new DateTime(reader.GetInt64(ordinal) * TimeSpan.TicksPerDay, DateTimeKind.Utc).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        CallGrouping.Hour => new DateTime(reader.GetInt64(ordinal) * TimeSpan.TicksPerHour, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture),
        _ => reader.GetString(ordinal),
    };

    private static string? String(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? Long(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}
