using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.PostgreSql;

public sealed class PostgreSqlStoreFaultTests
{
    [Fact]
    public async Task StartAsync_WrongPassword_FailsNamingThePasswordSetting()
    {
        await using var pg = await PgStore.CreateAsync();
        if (!pg.Server.IsOwned)
        {
            return; // needs the tests' own server, whose password is known (PROMPTOPS_TEST_POSTGRES names an external one)
        }

        var wrong = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Password = "not-the-password" }.ConnectionString;

        var error = await Assert.ThrowsAsync<PromptOpsException>(() => StartAsync(wrong));

        Assert.Contains("Password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_DatabaseDoesNotExist_FailsSayingHowToCreateIt()
    {
        await using var pg = await PgStore.CreateAsync();
        var missing = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Database = "no_such_database" }.ConnectionString;

        var error = await Assert.ThrowsAsync<PromptOpsException>(() => StartAsync(missing));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("CREATE DATABASE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureSchemaAsync_EightInstancesStartingTogether_MigrateTheDatabaseOnce()
    {
        await using var pg = await PgStore.CreateAsync(migrated: false);
        var instances = Enumerable.Range(0, 8).Select(_ => pg.OpenDatabase()).ToList();

        await Task.WhenAll(instances.Select(d => Task.Run(async () => await d.EnsureSchemaAsync())));

        Assert.Equal(PostgreSqlDatabase.SchemaVersion, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.schema_version")); // one row per migration, each applied once
        Assert.Equal(PostgreSqlDatabase.SchemaVersion, await pg.ScalarAsync("SELECT MAX(version) FROM promptops.schema_version"));
    }

    [Fact]
    public async Task EnsureSchemaAsync_DatabaseWrittenByANewerVersion_IsRefusedAndLeftAlone()
    {
        await using var pg = await PgStore.CreateAsync(migrated: false);
        await pg.OpenDatabase().EnsureSchemaAsync();
        await pg.ExecuteAsync("INSERT INTO promptops.schema_version (version, applied_by) VALUES (99, 'PromptOps 9');");

        var error = await Assert.ThrowsAsync<PromptOpsException>(async () => await pg.OpenDatabase().EnsureSchemaAsync());

        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade PromptOps.Sdk.PostgreSql", error.Message, StringComparison.Ordinal);
        Assert.Equal(PostgreSqlDatabase.SchemaVersion + 1, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.schema_version"));
    }

    [Fact]
    public async Task EnsureSchemaAsync_MigrationsOffAndTheScriptApplied_StoresCallsInTheChosenSchema()
    {
        await using var pg = await PgStore.CreateAsync(migrated: false);
        var error = await Assert.ThrowsAsync<PromptOpsException>(async () => await pg.OpenDatabase(migrate: false, schema: "ops").EnsureSchemaAsync());
        Assert.Contains("GetMigrationScript", error.Message, StringComparison.Ordinal);

        await pg.ExecuteAsync(PostgreSqlStore.GetMigrationScript("ops"));
        var database = pg.OpenDatabase(migrate: false, schema: "ops");
        await new PostgreSqlCallWriter(database).WriteBatchAsync([PostgreSqlCallStoreTests.Record("r1", DateTimeOffset.UtcNow)], CancellationToken.None);

        Assert.Equal(1, await pg.ScalarAsync("SELECT COUNT(*) FROM ops.calls"));
        Assert.Equal(0, await pg.ScalarAsync("SELECT COUNT(*) FROM pg_namespace WHERE nspname = 'promptops'"));
    }

    [Theory]
    [InlineData("Data Source=promptops.db")]
    [InlineData("postgres://")]
    [InlineData("Host=db;Unknown Keyword=1")]
    public void AddPostgreSqlStore_InvalidConnectionString_ThrowsWithAnExample(string connectionString)
    {
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddPromptOps().AddPostgreSqlStore(connectionString));

        Assert.Contains("Host=localhost;Database=app", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddPostgreSqlStore_PostgresUrl_IsReadAsAConnectionString()
    {
        var normalized = new NpgsqlConnectionStringBuilder(PostgreSqlStore.NormalizeConnectionString("postgres://app:p%40ss@db.internal:6543/orders?sslmode=require"));

        Assert.Equal(("db.internal", 6543, "app", "p@ss", "orders", SslMode.Require), (normalized.Host, normalized.Port, normalized.Username, normalized.Password, normalized.Database, normalized.SslMode));
    }

    [Fact]
    public async Task GetResponseAsync_ServerUnreachableAtStartThenUp_CallsSucceedAndRecordsArrive()
    {
        await using var server = await PostgresServer.StartAsync();
        if (!server.IsOwned)
        {
            return; // needs a server the test can stop and start (PROMPTOPS_TEST_POSTGRES names an external one)
        }

        var connectionString = await server.CreateDatabaseAsync();
        await server.StopAsync();
        using var host = Host(connectionString, out var logs);

        await host.StartAsync();
        var client = host.Services.GetRequiredService<IChatClient>();
        for (var i = 0; i < 10; i++)
        {
            await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options());
        }

        await server.StartAgainAsync();
        for (var i = 0; i < 10; i++)
        {
            await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options());
        }

        await host.StopAsync();
        host.Dispose();

        Assert.Contains(logs.GetSnapshot(), r => r.Id.Id == 2611);
        Assert.Equal(20, await Scalar(connectionString, "SELECT COUNT(*) FROM promptops.calls"));
    }

    [Fact]
    public async Task GetResponseAsync_ServerRestartedMidRun_CallsContinueAndRecordsAndSpendResume()
    {
        await using var server = await PostgresServer.StartAsync();
        if (!server.IsOwned)
        {
            return; // needs a server the test can stop and start (PROMPTOPS_TEST_POSTGRES names an external one)
        }

        var connectionString = await server.CreateDatabaseAsync();
        using var host = Host(connectionString, out _);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IChatClient>();

        for (var round = 0; round < 3; round++)
        {
            if (round == 1)
            {
                await server.StopAsync();
            }
            else if (round == 2)
            {
                await server.StartAgainAsync();
            }

            for (var i = 0; i < 20; i++)
            {
                await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options());
            }
        }

        await host.StopAsync();
        host.Dispose();

        // Every record reached the store, and every call's cost ($10 each) reached the shared ledger, once.
        Assert.Equal(60, await Scalar(connectionString, "SELECT COUNT(*) FROM promptops.calls"));
        Assert.Equal(600L * 1_000_000_000, await Scalar(connectionString, "SELECT SUM(spent_nanousd) FROM promptops.spend_ledger"));
    }

    [Fact]
    public async Task GetResponseAsync_PoolOfTwoConnectionsAndHundredConcurrentCalls_AllSucceedAndAreRecorded()
    {
        await using var pg = await PgStore.CreateAsync();
        var small = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { MaxPoolSize = 2 }.ConnectionString;
        using var host = Host(small, out _);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IChatClient>();

        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options())));
        await host.StopAsync();
        host.Dispose();

        Assert.Equal(100, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.calls"));
        Assert.Equal(1000L * 1_000_000_000, await pg.ScalarAsync("SELECT SUM(spent_nanousd) FROM promptops.spend_ledger"));
    }

    [Fact]
    public async Task GetResponseAsync_TablesLockedPastTheStatementTimeout_CallsGoOnAndEveryRecordAndCostArrivesAfterwards()
    {
        await using var pg = await PgStore.CreateAsync();
        var withTimeout = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Options = "-c statement_timeout=300" }.ConnectionString;
        using var host = Host(withTimeout, out var logs);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IChatClient>();
        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options());

        // Another session holds both tables for three seconds (a long migration, a VACUUM FULL): every statement of the
        // store times out meanwhile.
        await using (var blocker = new NpgsqlConnection(pg.ConnectionString))
        {
            await blocker.OpenAsync();
            await using var transaction = await blocker.BeginTransactionAsync();
            await using (var lockTables = new NpgsqlCommand("LOCK TABLE promptops.calls, promptops.spend_ledger IN ACCESS EXCLUSIVE MODE;", blocker, transaction))
            {
                await lockTables.ExecuteNonQueryAsync();
            }

            var started = DateTime.UtcNow;
            for (var i = 0; i < 20; i++)
            {
                await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options());
            }

            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), "the calls waited for the locked tables");
            await Task.Delay(TimeSpan.FromSeconds(3) - (DateTime.UtcNow - started));
            await transaction.RollbackAsync();
        }

        for (var i = 0; i < 5; i++)
        {
            await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options());
        }

        await host.StopAsync();
        host.Dispose();

        Assert.Contains(logs.GetSnapshot(), r => r.Level >= LogLevel.Warning && r.Exception?.ToString().Contains("57014", StringComparison.Ordinal) == true);
        Assert.Equal(26, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.calls"));
        Assert.Equal(260L * 1_000_000_000, await pg.ScalarAsync("SELECT SUM(spent_nanousd) FROM promptops.spend_ledger"));
    }

    private static async Task StartAsync(string connectionString)
    {
        using var host = Host(connectionString, out _);
        await host.StartAsync();
    }

    /// <summary>An application with a $100,000 daily budget, calls at $10 each, and a record queue that retries through a restart.</summary>
    private static IHost Host(string connectionString, out FakeLogCollector logs)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddFakeLogging();
        builder.Services.AddPromptOps(o =>
        {
            SpendPrices.Configure(o);
            o.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = 100_000m };
            o.Calls.WriteRetries = 8;
        }).AddPromptDirectory(RepositoryPaths.Prompts).AddPostgreSqlStore(connectionString, o => o.LeaseDuration = TimeSpan.FromSeconds(3));
        builder.Services.AddChatClient(Fakes.Replying(usage: new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 })).UsePromptOps();
        var host = builder.Build();
        logs = host.Services.GetRequiredService<FakeLogCollector>();
        return host;
    }

    private static async Task<long> Scalar(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
