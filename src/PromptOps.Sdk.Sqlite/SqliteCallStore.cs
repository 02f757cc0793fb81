using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SQLitePCL;

namespace PromptOps;

/// <summary>
/// Persists every <see cref="PromptCallRecord"/> to SQLite and answers queries over them. Records are written by one
/// background writer in batches, one transaction per batch; a batch that fails (file locked, read-only, disk full) is tried
/// again and then counted as dropped, and the problem is logged once per episode. A file deleted while running is created
/// again. Disposing writes everything buffered, within <see cref="SqliteStoreOptions.ShutdownTimeout"/>.
/// </summary>
public sealed partial class SqliteCallStore : IPromptCallSink, ICallStore, IAsyncDisposable, IDisposable
{
    private const string Columns =
        "request_id, timestamp_ticks, feature, user_id, tenant_id, prompt_id, prompt_version, variant, label, model, downgraded_from, response_model, provider, temperature, max_output_tokens, "
        + "input_tokens, output_tokens, cached_input_tokens, cache_write_input_tokens, reasoning_tokens, estimated_input_tokens, usage_estimated, usage_clamped, latency_ticks, time_to_first_token_ticks, "
        + "cost_usd, price_source, tools_available, tools_called, finish_reason, success, error_type, error, streaming, tags, input_content, output_content";

    private static readonly string[] ColumnNames = Columns.Split(", ");

    private static readonly string InsertSql = $"INSERT INTO calls ({Columns}) VALUES ({string.Join(", ", ColumnNames.Select((_, i) => "?" + (i + 1).ToString(CultureInfo.InvariantCulture)))});";

    /// <summary>Gets the columns of the <c>calls</c> table that a record fills, in insert order.</summary>
    internal static IReadOnlyList<string> ColumnList => ColumnNames;

    private readonly SqliteDatabase _database;
    private readonly SqliteStoreOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PromptCallRecord> _channel;
    private readonly Task _writer;
    private readonly DeliveryProgress _progress = new();
    private long _written;
    private long _dropped;
    private long _droppedThisEpisode;
    private bool _failing;
    private int _disposed;

    internal SqliteCallStore(SqliteDatabase database, SqliteStoreOptions options, ILogger<SqliteCallStore>? logger = null)
    {
        _database = database;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _channel = Channel.CreateBounded<PromptCallRecord>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // SQLite blocks its thread while another process holds the file (up to BusyTimeout, per retry): on a pool thread
        // that would starve the application's own work, so the writer has a thread of its own.
        _writer = Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Gets the full path of the database file, or the data source of an in-memory database.</summary>
    public string DatabasePath => _database.Name;

    /// <summary>Gets how many records were written.</summary>
    public long WrittenCount => Interlocked.Read(ref _written);

    /// <summary>Gets how many records could not be written after every retry (also counted in <c>promptops.sink.dropped</c>).</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Gets how many records wait for the writer.</summary>
    public int PendingCount => _progress.Pending;

    /// <inheritdoc />
    public ValueTask WriteAsync(PromptCallRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_channel.Writer.TryWrite(record))
        {
            _progress.Accept();
            return ValueTask.CompletedTask;
        }

        return WaitAndWriteAsync(record, cancellationToken);
    }

    /// <summary>Waits until every record accepted so far has been written (or dropped after its retries).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the records are stored.</returns>
    public Task FlushAsync(CancellationToken cancellationToken = default) => FlushCoreAsync(cancellationToken);

    /// <inheritdoc />
    ValueTask IPromptCallSink.FlushAsync(CancellationToken cancellationToken) => new(FlushCoreAsync(cancellationToken));

    private Task FlushCoreAsync(CancellationToken cancellationToken) => _progress.WaitAsync(_writer, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromptCallRecord>> GetRequestAsync(string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestId);
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM calls WHERE request_id = $id ORDER BY timestamp_ticks, id;";
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
        command.CommandText = $"SELECT {Columns} FROM calls{where} ORDER BY timestamp_ticks DESC, id DESC LIMIT $limit;";
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
        command.CommandText = "SELECT feature, model, user_id, tenant_id, prompt_id, prompt_version, timestamp_ticks, success, input_tokens, output_tokens, cached_input_tokens, cost_usd, latency_ticks "
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

        return [.. groups.Values.Select(g => g.ToAggregate()).OrderByDescending(a => a.Cost).ThenByDescending(a => a.Calls).ThenBy(a => string.Join('\u001f', a.Keys), StringComparer.Ordinal)];
    }

    /// <summary>Reads the spend ledger: what each budget spent per period and scope value, against the limits last configured.</summary>
    /// <param name="from">Only periods that started at or after this, or <see langword="null"/>.</param>
    /// <param name="to">Only periods that started before this, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The periods, newest first, then by share of the limit, highest first.</returns>
    public async Task<IReadOnlyList<BudgetSpend>> GetBudgetSpendAsync(DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT l.budget, COALESCE(b.scope, '?'), l.scope_value, COALESCE(b.period, '?'), l.period_start_ticks, b.limit_usd, l.spent_nanousd "
            + "FROM spend_ledger l LEFT JOIN spend_budgets b ON b.name = l.budget "
            + "WHERE ($from IS NULL OR l.period_start_ticks >= $from) AND ($to IS NULL OR l.period_start_ticks < $to);";
        command.Parameters.AddWithValue("$from", (object?)from?.UtcTicks ?? DBNull.Value);
        command.Parameters.AddWithValue("$to", (object?)to?.UtcTicks ?? DBNull.Value);
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

        return [.. spend.OrderByDescending(s => s.PeriodStart).ThenByDescending(s => s.Share ?? 0).ThenBy(s => s.Budget, StringComparer.Ordinal).ThenBy(s => s.ScopeValue, StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public async Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM calls WHERE timestamp_ticks < $cutoff;";
        command.Parameters.AddWithValue("$cutoff", cutoff.UtcTicks);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _channel.Writer.TryComplete();
        try
        {
            await _writer.WaitAsync(_options.ShutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogShutdownTimedOut(_logger, PendingCount, _database.Name, _options.ShutdownTimeout);
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async ValueTask WaitAndWriteAsync(PromptCallRecord record, CancellationToken cancellationToken)
    {
        await _channel.Writer.WriteAsync(record, cancellationToken).ConfigureAwait(false);
        _progress.Accept();
    }

    private void WriteLoop()
    {
        var batch = new List<PromptCallRecord>(_options.BatchSize);
        while (_channel.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (batch.Count < _options.BatchSize && _channel.Reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            WriteWithRetries(batch);
            _progress.Finish(batch.Count);
            batch.Clear();
        }

        _progress.Close();
    }

    private void WriteWithRetries(List<PromptCallRecord> batch)
    {
        var delay = _options.RetryDelay;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (_database.WasDeleted)
                {
                    LogFileDeleted(_logger, _database.Name);
                }

                WriteBatch(batch);
                Interlocked.Add(ref _written, batch.Count);
                if (_failing)
                {
                    _failing = false;
                    var droppedWhileFailing = Interlocked.Exchange(ref _droppedThisEpisode, 0);
                    LogRecovered(_logger, _database.Name, droppedWhileFailing);
                }

                return;
            }
            catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or PromptOpsException)
            {
                if (attempt < _options.WriteRetries)
                {
                    Thread.Sleep(delay);
                    delay *= 4;
                    continue;
                }

                Interlocked.Add(ref _dropped, batch.Count);
                Interlocked.Add(ref _droppedThisEpisode, batch.Count);
                PromptOpsTelemetry.SinkDropped.Add(batch.Count, new KeyValuePair<string, object?>("promptops.sink", nameof(SqliteCallStore)));
                if (!_failing)
                {
                    _failing = true;
                    LogWriteFailed(_logger, ex, batch.Count, _database.Name, _options.WriteRetries + 1, Hint(ex));
                }

                return;
            }
        }
    }

    private void WriteBatch(List<PromptCallRecord> batch)
    {
        using var connection = _database.Open();
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
                        // Values() yields only these types; were that ever broken, the batch is counted as dropped and logged, and the writer goes on.
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
        _ => throw new ArgumentOutOfRangeException(nameof(grouping), grouping, "Unknown grouping."),
    };

    private static string? String(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? Long(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

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

    /// <summary>Sums of one group, with every latency kept for the percentiles.</summary>
    private sealed class GroupTotals(string[] keys)
    {
        private readonly List<long> _latencies = [];
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
            _errors += reader.GetInt64(7) == 0 ? 1 : 0;
            _input += Long(reader, 8) ?? 0;
            _output += Long(reader, 9) ?? 0;
            _cached += Long(reader, 10) ?? 0;
            if (reader.IsDBNull(11))
            {
                _unpriced++;
            }
            else
            {
                _cost += decimal.Parse(reader.GetString(11), NumberStyles.Float, CultureInfo.InvariantCulture);
            }

            _latencies.Add(reader.GetInt64(12));
        }

        public CallAggregate ToAggregate()
        {
            _latencies.Sort();
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
                P50Latency = Percentile(0.50),
                P95Latency = Percentile(0.95),
            };
        }

        /// <summary>The nearest-rank percentile: the smallest latency with at least that share of the calls at or below it.</summary>
        private TimeSpan Percentile(double share) =>
            _latencies.Count == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(_latencies[Math.Max(0, (int)Math.Ceiling(share * _latencies.Count) - 1)]);
    }

    [LoggerMessage(EventId = 2501, Level = LogLevel.Error, Message = "Could not write {Count} call record(s) to the PromptOps store '{Path}' after {Attempts} attempt(s); they are counted as dropped (promptops.sink.dropped). {Hint} Calls are not affected. This is logged once until writing works again.")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count, string path, int attempts, string hint);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Information, Message = "Writing call records to the PromptOps store '{Path}' works again; {Dropped} record(s) were dropped while it failed.")]
    private static partial void LogRecovered(ILogger logger, string path, long dropped);

    [LoggerMessage(EventId = 2503, Level = LogLevel.Warning, Message = "The PromptOps store '{Path}' was deleted while the application ran; it is created again, empty, and new records go there.")]
    private static partial void LogFileDeleted(ILogger logger, string path);

    [LoggerMessage(EventId = 2504, Level = LogLevel.Warning, Message = "Shutting down with {Pending} call record(s) not yet written to '{Path}': the writer did not finish within {Timeout}. Raise SqliteStoreOptions.ShutdownTimeout to wait longer.")]
    private static partial void LogShutdownTimedOut(ILogger logger, int pending, string path, TimeSpan timeout);
}
