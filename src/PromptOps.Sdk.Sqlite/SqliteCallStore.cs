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
    public async Task<IReadOnlyList<CallAggregate>> AggregateAsync(CallQuery query, IReadOnlyList<CallGrouping> groupBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(groupBy);
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        var where = Where(query, command);
        command.CommandText = "SELECT feature, model, user_id, tenant_id, prompt_id, prompt_version, timestamp_ticks, success, input_tokens, output_tokens, cached_input_tokens, cost_usd, latency_ticks, variant, time_to_first_token_ticks "
            + $"FROM calls{where};";
        var groups = new Dictionary<string, GroupTotals>(StringComparer.Ordinal);
        var keys = new string[groupBy.Count];
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                for (var i = 0; i < keys.Length; i++)
                {
                    keys[i] = GroupKey(reader, groupBy[i]);
                }

                var composite = string.Join('\u001f', keys);
                if (!groups.TryGetValue(composite, out var totals))
                {
                    totals = new GroupTotals([.. keys]);
                    groups[composite] = totals;
                }

                totals.Add(reader);
            }
        }

        return StoreOrdering.Aggregates(groups.Values.Select(g => g.ToAggregate()), groupBy);
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
                reader.IsDBNull(5) ? null : decimal.Parse(reader.GetString(5), NumberStyles.Float, CultureInfo.InvariantCulture),
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
                Cost = reader.IsDBNull(25) ? null : decimal.Parse(reader.GetString(25), NumberStyles.Float, CultureInfo.InvariantCulture),
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

    private static string GroupKey(SqliteDataReader reader, CallGrouping grouping) => grouping switch
    {
        CallGrouping.Feature => reader.GetString(0),
        CallGrouping.Model => String(reader, 1) ?? "(none)",
        CallGrouping.User => String(reader, 2) ?? "(none)",
        CallGrouping.Tenant => String(reader, 3) ?? "(none)",
        CallGrouping.Prompt => String(reader, 4) ?? "(none)",
        CallGrouping.PromptVersion => String(reader, 4) is { } id ? $"{id}@{String(reader, 5) ?? "?"}" : "(none)",
        CallGrouping.Day => new DateTime(reader.GetInt64(6), DateTimeKind.Utc).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        CallGrouping.Hour => new DateTime(reader.GetInt64(6), DateTimeKind.Utc).ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture),
        CallGrouping.Variant => String(reader, 13) ?? "(none)",
        _ => throw new ArgumentOutOfRangeException(nameof(grouping), grouping, "Unknown grouping."),
    };

    private static string? String(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? Long(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    /// <summary>Sums of one group, with every latency kept for the percentiles.</summary>
    private sealed class GroupTotals(string[] keys)
    {
        private readonly List<long> _latencies = [];
        private readonly List<long> _firstTokens = [];
        private long _calls;
        private long _errors;
        private long _input;
        private long _output;
        private long _cached;
        private decimal _cost;
        private long _unpriced;

        public void Add(SqliteDataReader reader)
        {
            _calls++;
            var failed = reader.GetInt64(7) == 0;
            _errors += failed ? 1 : 0;
            _input += Long(reader, 8) ?? 0;
            _output += Long(reader, 9) ?? 0;
            _cached += Long(reader, 10) ?? 0;
            if (reader.IsDBNull(11))
            {
                // A failed call without a cost was not charged; only a successful call without a price is unpriced.
                _unpriced += failed ? 0 : 1;
            }
            else
            {
                _cost += decimal.Parse(reader.GetString(11), NumberStyles.Float, CultureInfo.InvariantCulture);
            }

            _latencies.Add(reader.GetInt64(12));
            if (Long(reader, 14) is { } firstToken)
            {
                _firstTokens.Add(firstToken);
            }
        }

        public CallAggregate ToAggregate()
        {
            _latencies.Sort();
            _firstTokens.Sort();
            return new CallAggregate
            {
                Keys = keys,
                Calls = _calls,
                Errors = _errors,
                InputTokens = _input,
                OutputTokens = _output,
                CachedInputTokens = _cached,
                Cost = _cost,
                UnpricedCalls = _unpriced,
                P50Latency = Percentile(_latencies, 0.50) ?? TimeSpan.Zero,
                P95Latency = Percentile(_latencies, 0.95) ?? TimeSpan.Zero,
                P50TimeToFirstToken = Percentile(_firstTokens, 0.50),
            };
        }

        /// <summary>The nearest-rank percentile (as PostgreSQL's <c>percentile_disc</c>): the smallest value with at least that share of the values at or below it.</summary>
        private static TimeSpan? Percentile(List<long> sorted, double share) =>
            sorted.Count == 0 ? null : TimeSpan.FromTicks(sorted[Math.Max(0, (int)Math.Ceiling(share * sorted.Count) - 1)]);
    }
}
