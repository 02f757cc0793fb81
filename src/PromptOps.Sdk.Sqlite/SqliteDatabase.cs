using System.Globalization;
using Microsoft.Data.Sqlite;

namespace PromptOps;

/// <summary>
/// One store file: opens connections with the store's settings and brings the schema up to date, once, before the first
/// use (again if the file was deleted while running). Migrations run in an immediate transaction, so two processes starting
/// together on a new file migrate it once.
/// </summary>
internal sealed class SqliteDatabase
{
    /// <summary>How long one statement of the spend ledger waits for SQLite's write lock before Microsoft.Data.Sqlite retries it.</summary>
    private const int LedgerBusyTimeoutMs = 200;

    /// <summary>The schema this version of the package writes and reads.</summary>
    public const int SchemaVersion = 5;

    private static readonly string[] Migrations =
    [
        // 1: call records, spend ledger, budget definitions, activation log.
        """
        CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL,
            timestamp_ticks INTEGER NOT NULL,
            feature TEXT NOT NULL,
            user_id TEXT,
            tenant_id TEXT,
            prompt_id TEXT,
            prompt_version TEXT,
            variant TEXT,
            label TEXT,
            model TEXT,
            downgraded_from TEXT,
            response_model TEXT,
            provider TEXT,
            temperature REAL,
            max_output_tokens INTEGER,
            input_tokens INTEGER,
            output_tokens INTEGER,
            cached_input_tokens INTEGER,
            cache_write_input_tokens INTEGER,
            reasoning_tokens INTEGER,
            estimated_input_tokens INTEGER,
            usage_estimated INTEGER NOT NULL,
            usage_clamped INTEGER NOT NULL,
            latency_ticks INTEGER NOT NULL,
            time_to_first_token_ticks INTEGER,
            cost_usd TEXT,
            price_source TEXT,
            tools_available TEXT NOT NULL,
            tools_called TEXT NOT NULL,
            finish_reason TEXT,
            success INTEGER NOT NULL,
            error_type TEXT,
            error TEXT,
            streaming INTEGER NOT NULL,
            tags TEXT NOT NULL,
            input_content TEXT,
            output_content TEXT
        );
        CREATE INDEX calls_request_id ON calls (request_id);
        CREATE INDEX calls_timestamp ON calls (timestamp_ticks);
        CREATE TABLE spend_ledger (
            budget TEXT NOT NULL,
            scope_value TEXT NOT NULL,
            period_start_ticks INTEGER NOT NULL,
            spent_nanousd INTEGER NOT NULL,
            PRIMARY KEY (budget, scope_value, period_start_ticks)
        ) WITHOUT ROWID;
        CREATE TABLE spend_reservations (
            id TEXT NOT NULL,
            budget TEXT NOT NULL,
            scope_value TEXT NOT NULL,
            period_start_ticks INTEGER NOT NULL,
            amount_nanousd INTEGER NOT NULL,
            expires_ticks INTEGER NOT NULL,
            PRIMARY KEY (id, budget, scope_value, period_start_ticks)
        ) WITHOUT ROWID;
        CREATE INDEX spend_reservations_bucket ON spend_reservations (budget, scope_value, period_start_ticks);
        CREATE TABLE spend_alerts (
            budget TEXT NOT NULL,
            scope_value TEXT NOT NULL,
            period_start_ticks INTEGER NOT NULL,
            threshold REAL NOT NULL,
            fired_ticks INTEGER NOT NULL,
            PRIMARY KEY (budget, scope_value, period_start_ticks, threshold)
        ) WITHOUT ROWID;
        CREATE TABLE spend_budgets (
            name TEXT PRIMARY KEY,
            scope TEXT NOT NULL,
            match TEXT,
            period TEXT NOT NULL,
            limit_usd TEXT NOT NULL,
            action TEXT NOT NULL,
            downgrade_model TEXT,
            time_zone TEXT NOT NULL,
            updated_ticks INTEGER NOT NULL
        );
        CREATE TABLE activations (
            id INTEGER PRIMARY KEY,
            prompt_id TEXT NOT NULL,
            environment TEXT NOT NULL,
            from_version TEXT,
            to_version TEXT NOT NULL,
            activated_by TEXT NOT NULL,
            timestamp_ticks INTEGER NOT NULL,
            reason TEXT
        );
        CREATE INDEX activations_prompt ON activations (prompt_id, environment);
        """,

        // 2: activations switch what is served; entries from before were records of switches made elsewhere.
        """
        ALTER TABLE activations ADD COLUMN kind TEXT NOT NULL DEFAULT 'observed';
        """,

        // 3: entries have ids (approvals and rollouts name them) and relate to the request or rollout they act on.
        """
        ALTER TABLE activations ADD COLUMN activation_id TEXT;
        ALTER TABLE activations ADD COLUMN relates_to TEXT;
        ALTER TABLE activations ADD COLUMN rollout TEXT;
        UPDATE activations SET activation_id = 'a' || id;
        CREATE UNIQUE INDEX activations_id ON activations (activation_id);
        """,

        // 4: feedback on recorded calls.
        """
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL,
            name TEXT NOT NULL,
            score REAL,
            category TEXT,
            comment TEXT,
            given_by TEXT,
            timestamp_ticks INTEGER NOT NULL
        );
        CREATE INDEX feedback_request_id ON feedback (request_id);
        """,

        // 5: aggregates (reports, the dashboard) read a time range from an index that holds every column they group and sum,
        // never the wide rows with the recorded content: a month of a million calls is about four times faster.
        """
        CREATE INDEX calls_aggregates ON calls (timestamp_ticks, feature, model, user_id, tenant_id, prompt_id, prompt_version, variant, label,
            success, input_tokens, output_tokens, cached_input_tokens, cost_usd, latency_ticks, time_to_first_token_ticks);
        """,
    ];

    private readonly string _connectionString;
    private readonly string _ledgerConnectionString;
    private readonly int _busyTimeoutMs;
    private readonly Lock _migrateLock = new();
    private volatile bool _ready;

    public SqliteDatabase(string connectionString, TimeSpan busyTimeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The SQLite connection string '{connectionString}' is invalid: {ex.Message.TrimEnd('.')}. Use for example \"Data Source=promptops.db\".", nameof(connectionString), ex);
        }

        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new ArgumentException($"The SQLite connection string '{connectionString}' names no file. Use for example \"Data Source=promptops.db\".", nameof(connectionString));
        }

        InMemory = builder.Mode == SqliteOpenMode.Memory || builder.DataSource == ":memory:";
        ReadOnly = builder.Mode == SqliteOpenMode.ReadOnly;
        if (!InMemory)
        {
            builder.DataSource = Path.GetFullPath(builder.DataSource);
            FilePath = builder.DataSource;
        }

        // Microsoft.Data.Sqlite retries a busy file until the command timeout (whole seconds): keep it in step with busy_timeout.
        builder.DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds));
        _connectionString = builder.ToString();

        // The spend ledger answers on the call path: its connections give up on a busy file after a second (the least
        // Microsoft.Data.Sqlite allows), and PromptOps's fail-safe front stops waiting for them sooner still.
        builder.DefaultTimeout = 1;
        _ledgerConnectionString = builder.ToString();
        _busyTimeoutMs = (int)Math.Min(int.MaxValue, busyTimeout.TotalMilliseconds);
        Name = FilePath ?? builder.DataSource;
    }

    /// <summary>Gets the full path of the file, or <see langword="null"/> for an in-memory database.</summary>
    public string? FilePath { get; }

    /// <summary>Gets the file path, or the data source of an in-memory database, for messages.</summary>
    public string Name { get; }

    public bool InMemory { get; }

    public bool ReadOnly { get; }

    /// <summary>Gets or sets a hook run on every connection opened (tests use it to simulate a full disk).</summary>
    internal Action<SqliteConnection>? ConnectionOpened { get; set; }

    /// <summary>Returns <see langword="true"/> when the file was migrated before and has since been deleted.</summary>
    public bool WasDeleted => _ready && FilePath is not null && !File.Exists(FilePath);

    /// <summary>Opens a connection to a store whose schema is up to date.</summary>
    public SqliteConnection Open()
    {
        EnsureSchema();
        return OpenRaw(_connectionString, _busyTimeoutMs);
    }

    /// <summary>Opens a connection for the spend ledger, which waits for a busy file at most about a second.</summary>
    public SqliteConnection OpenForLedger()
    {
        EnsureSchema();
        return OpenRaw(_ledgerConnectionString, LedgerBusyTimeoutMs);
    }

    /// <summary>Brings the schema up to date, once; again after the file was deleted (which starts an empty store).</summary>
    public void EnsureSchema()
    {
        if (_ready && !WasDeleted)
        {
            return;
        }

        lock (_migrateLock)
        {
            if (_ready && !WasDeleted)
            {
                return;
            }

            if (_ready)
            {
                // The file is gone: pooled connections still point at the deleted file, and a write-ahead log left
                // beside it belongs to the old file; a new file that picked it up would be corrupt.
                SqliteConnection.ClearAllPools();
                foreach (var leftover in new[] { FilePath + "-wal", FilePath + "-shm", FilePath + "-journal" })
                {
                    if (!File.Exists(FilePath))
                    {
                        TryDelete(leftover);
                    }
                }
            }

            if (FilePath is not null && Path.GetDirectoryName(FilePath) is { Length: > 0 } directory && !ReadOnly)
            {
                Directory.CreateDirectory(directory);
            }

            using var connection = OpenRaw();
            var version = UserVersion(connection);
            if (version > SchemaVersion)
            {
                throw new PromptOpsException(
                    $"The PromptOps store '{Name}' has schema version {version}, but this PromptOps.Sdk.Sqlite ({typeof(SqliteDatabase).Assembly.GetName().Version}) knows versions up to {SchemaVersion}: a newer PromptOps wrote it. "
                    + "Upgrade PromptOps.Sdk.Sqlite (and the promptops tool) to the version that wrote it, or point AddSqliteStore at another file. The file was not changed.");
            }

            if (version < SchemaVersion)
            {
                if (ReadOnly)
                {
                    throw new PromptOpsException($"The PromptOps store '{Name}' is opened read-only but its schema (version {version}) is older than {SchemaVersion}. Open it once read-write to upgrade it.");
                }

                Migrate(connection);
            }

            _ready = true;
        }
    }

    private void Migrate(SqliteConnection connection)
    {
        if (!InMemory)
        {
            Execute(connection, "PRAGMA journal_mode = WAL;");
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        var version = UserVersion(connection);
        for (var next = version; next < SchemaVersion; next++)
        {
            Execute(connection, Migrations[next], transaction);
        }

        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {SchemaVersion};"), transaction);
        transaction.Commit();
    }

    private SqliteConnection OpenRaw() => OpenRaw(_connectionString, _busyTimeoutMs);

    private SqliteConnection OpenRaw(string connectionString, int busyTimeoutMs)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {busyTimeoutMs}; PRAGMA synchronous = NORMAL;"));
            ConnectionOpened?.Invoke(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Another process may be recreating the store at this moment; its own files are then in use and stay.
        }
    }

    private static long UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return (long)command.ExecuteScalar()!;
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>USD as whole nano-dollars, the ledger's exact integer unit (1e-9 USD).</summary>
    public static long ToNanoUsd(decimal usd) => (long)decimal.Round(usd * 1_000_000_000m, MidpointRounding.ToEven);

    public static decimal FromNanoUsd(long nanos) => nanos / 1_000_000_000m;

    /// <summary>An amount of USD stored as decimal text (costs and limits keep every digit the price gave them).</summary>
    public static decimal ParseUsd(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
