using Microsoft.Extensions.Logging;
using Npgsql;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.PostgreSql;

/// <summary>
/// A fresh database on the tests' PostgreSQL server, with the store's parts as an application has them: records go through
/// the call-record dispatcher to the store's COPY writer, and the store reads them back.
/// </summary>
internal sealed class PgStore : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private PgStore(PostgresServer server, string connectionString)
    {
        Server = server;
        ConnectionString = connectionString;
    }

    public PostgresServer Server { get; }

    public string ConnectionString { get; }

    /// <summary>Creates the database; with <paramref name="migrated"/>, brings its schema up first, as an application's host does when it starts.</summary>
    public static async Task<PgStore> CreateAsync(bool migrated = true)
    {
        var server = await PostgresServer.SharedAsync();
        var store = new PgStore(server, await server.CreateDatabaseAsync());
        if (migrated)
        {
            await store.OpenDatabase().EnsureSchemaAsync();
        }

        return store;
    }

    /// <summary>Opens the store's database as one application instance does (its own data source).</summary>
    public PostgreSqlDatabase OpenDatabase(bool migrate = true, string schema = "promptops")
    {
        var database = new PostgreSqlDatabase(NpgsqlDataSource.Create(ConnectionString), ownsDataSource: true, schema, migrate);
        _owned.Add(database);
        return database;
    }

    public PostgreSqlCallStore Store() => new(OpenDatabase());

    /// <summary>A record writer as the application has it: the dispatcher in front of the COPY writer.</summary>
    public (CallRecordDispatcher Dispatcher, PostgreSqlCallStore Store) Recording(PromptOpsCallOptions? options = null, ILoggerFactory? loggers = null)
    {
        var database = OpenDatabase();
        var dispatcher = new CallRecordDispatcher([new PostgreSqlCallWriter(database)], loggers?.CreateLogger<CallRecordDispatcher>(), options ?? new PromptOpsCallOptions { QueueCapacity = 1_000_000 });
        _owned.Insert(0, dispatcher);
        return (dispatcher, new PostgreSqlCallStore(database));
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }
}
