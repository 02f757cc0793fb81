using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace PromptOps;

/// <summary>
/// One PostgreSQL store: a data source, the schema its tables live in, and the migrations that bring that schema up to
/// date, once, before first use. Migrations run under a transaction-scoped advisory lock, so instances that start together
/// migrate the database once; a database written by a newer PromptOps is refused.
/// </summary>
internal sealed partial class PostgreSqlDatabase : IAsyncDisposable, IDisposable
{
    /// <summary>The schema version this version of the package writes and reads.</summary>
    public const int SchemaVersion = 4;

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly SemaphoreSlim _migrateLock = new(1, 1);
    private volatile bool _ready;

    public PostgreSqlDatabase(NpgsqlDataSource dataSource, bool ownsDataSource, string schema, bool migrate)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        SchemaName = schema;
        Schema = Quote(schema);
        Migrate = migrate;
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Name = string.Create(CultureInfo.InvariantCulture, $"{builder.Host ?? "localhost"}:{builder.Port}/{builder.Database ?? builder.Username ?? "postgres"} (schema {schema})");
    }

    /// <summary>Gets the schema as written in SQL (quoted).</summary>
    public string Schema { get; }

    /// <summary>Gets the schema's name.</summary>
    public string SchemaName { get; }

    /// <summary>Gets host, port, database and schema, for messages (never the password).</summary>
    public string Name { get; }

    /// <summary>Gets whether the store creates and upgrades its schema itself.</summary>
    public bool Migrate { get; }

    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Opens a connection to a store whose schema is up to date.</summary>
    public async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Brings the schema up to date (or, when migrations are off, checks that it is), once.</summary>
    public async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        if (_ready)
        {
            return;
        }

        await _migrateLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ready)
            {
                return;
            }

            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            if (!Migrate)
            {
                var version = await VersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
                CheckNotNewer(version);
                if (version == 0)
                {
                    throw new PromptOpsException(
                        $"The database {Name} holds no PromptOps store. Start an application with AddPostgreSqlStore against it once (it creates the tables), or apply PostgreSqlStore.GetMigrationScript(), and check Database and the schema name.");
                }

                if (version < SchemaVersion)
                {
                    throw new PromptOpsException(
                        $"The PromptOps store {Name} has schema version {version}, but this PromptOps.Sdk.PostgreSql needs version {SchemaVersion}, and PostgreSqlStoreOptions.MigrateOnStart is off. "
                        + "Apply the SQL from PostgreSqlStore.GetMigrationScript() to the database, or turn MigrateOnStart on.");
                }
            }
            else
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({LockKey(SchemaName)});", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, $"CREATE SCHEMA IF NOT EXISTS {Schema}; CREATE TABLE IF NOT EXISTS {Schema}.schema_version (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL);", cancellationToken).ConfigureAwait(false);
                var version = await VersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                CheckNotNewer(version);
                for (var next = version; next < SchemaVersion; next++)
                {
                    await ExecuteAsync(connection, transaction, PostgreSqlSchema.Migration(next, Schema), cancellationToken).ConfigureAwait(false);
                    await using var stamp = new NpgsqlCommand($"INSERT INTO {Schema}.schema_version (version, applied_by) VALUES ($1, $2);", connection, transaction);
                    stamp.Parameters.Add(new NpgsqlParameter { Value = next + 1 });
                    stamp.Parameters.Add(new NpgsqlParameter { Value = "PromptOps.Sdk.PostgreSql " + typeof(PostgreSqlDatabase).Assembly.GetName().Version });
                    await stamp.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            _ready = true;
        }
        finally
        {
            _migrateLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }

        _migrateLock.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the name is a plain lower-case SQL identifier.</summary>
    public static string ValidateSchema(string schema)
    {
        if (!IdentifierPattern().IsMatch(schema ?? string.Empty))
        {
            throw new ArgumentException($"PostgreSqlStoreOptions.Schema is '{schema}'; it must be a lower-case SQL identifier (letters, digits and underscores, starting with a letter or underscore, at most 63 characters), for example \"promptops\".", nameof(schema));
        }

        return schema!;
    }

    /// <summary>USD as whole nano-dollars, the ledger's exact integer unit (1e-9 USD).</summary>
    public static long ToNanoUsd(decimal usd) => (long)decimal.Round(usd * 1_000_000_000m, MidpointRounding.ToEven);

    public static long RoundUpToNanoUsd(decimal usd) => (long)decimal.Ceiling(usd * 1_000_000_000m);

    public static decimal FromNanoUsd(long nanos) => nanos / 1_000_000_000m;

    private static string Quote(string schema) => "\"" + schema + "\"";

    /// <summary>The advisory lock key for migrating one schema: the same in every process (a stable hash of the name).</summary>
    private static string LockKey(string schema)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in "promptops.migrate:" + schema)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return unchecked((long)hash).ToString(CultureInfo.InvariantCulture);
    }

    private async Task<int> VersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL;", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = Schema + ".schema_version" });
        if (!(bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            return 0;
        }

        await using var read = new NpgsqlCommand($"SELECT COALESCE(MAX(version), 0) FROM {Schema}.schema_version;", connection, transaction);
        return (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private void CheckNotNewer(int version)
    {
        if (version > SchemaVersion)
        {
            throw new PromptOpsException(
                $"The PromptOps store {Name} has schema version {version}, but this PromptOps.Sdk.PostgreSql ({typeof(PostgreSqlDatabase).Assembly.GetName().Version}) knows versions up to {SchemaVersion}: a newer PromptOps wrote it. "
                + "Upgrade PromptOps.Sdk.PostgreSql (and the promptops tool) to the version that wrote it, or point AddPostgreSqlStore at another schema (PostgreSqlStoreOptions.Schema). Nothing was changed.");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdentifierPattern();
}
