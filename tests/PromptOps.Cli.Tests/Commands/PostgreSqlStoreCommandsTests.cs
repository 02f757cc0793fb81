using PromptOps.Tests.TestSupport;

namespace PromptOps.Cli.Tests.Commands;

/// <summary>The store verbs against a PostgreSQL store print what they print for the same data in a SQLite store.</summary>
[Collection(EnvironmentVariableTests.Name)]
public sealed class PostgreSqlStoreCommandsTests : IDisposable
{
    private readonly CliRunner _runner = new();

    [Fact]
    public async Task ReportAndCalls_SameDataInPostgreSqlAndSqlite_PrintTheSame()
    {
        var (sqlite, postgres) = await SeedBothAsync();
        var records = await StoreSeed.CreateAsync(Path.Combine(_runner.Root, "unused.db"));
        var failed = records.First(r => !r.Success);
        string[][] commands =
        [
            ["report", "--format", "json"],
            ["report", "--by", "feature", "--by", "day", "--by", "model"],
            ["report", "--from", "2026-11-04T12:00:00Z", "--to", "2026-11-11", "--by", "user,prompt", "--format", "json"],
            ["report", "--by", "version", "--format", "json"],
            ["report", "--by", "version"],
            ["calls", "--request", failed.RequestId],
            ["calls", "--request", records[3].RequestId, "--format", "json"],
            ["calls", "--failed", "--limit", "5"],
            ["calls", "--request", "req-nope"],
        ];

        foreach (var command in commands)
        {
            var fromSqlite = Normalise(CliRunner.Run([.. command, "--store", sqlite]), sqlite, "unused.db");
            var fromPostgres = Normalise(CliRunner.Run([.. command, "--store", postgres.ConnectionString]), postgres.Name, "\"<the same connection string>\"");

            Assert.Equal(fromSqlite.ExitCode, fromPostgres.ExitCode);
            Assert.Equal(fromSqlite.Error, fromPostgres.Error);
            Assert.Equal(fromSqlite.Output.Split('\n'), fromPostgres.Output.Split('\n'));
            Assert.NotEqual(string.Empty, fromPostgres.Output + fromPostgres.Error);
        }
    }

    [Fact]
    public async Task ActivateAndLabels_PostgreSqlStore_RecordTheSwitchAndShowIt()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        await StoreSeed.CreatePostgreSqlAsync(connectionString, days: 1);

        var (exitCode, output, error) = CliRunner.Run("activate", "customer-support", "2.0.0", "--env", "production", "--reason", "rollback: refunds (INC-4312)", "--by", "ann", "--store", connectionString, "--dir", CliRunner.RepositoryPrompts());
        Assert.True(exitCode == 0, error);
        Assert.Contains("Activated in 127.0.0.1:", output, StringComparison.Ordinal);
        Assert.Contains("Every instance attached to this store serves customer-support 2.0.0 in production", output, StringComparison.Ordinal);

        (exitCode, output, error) = CliRunner.Run("labels", "--store", connectionString, "--dir", CliRunner.RepositoryPrompts());

        Assert.True(exitCode == 0, error);
        var row = output.Split('\n').Single(l => l.Contains("production", StringComparison.Ordinal) && l.Contains("customer-support", StringComparison.Ordinal));
        Assert.Contains("2.0.0 by ann", row, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_StoreFromTheEnvironmentVariable_ReadsItWithoutAStoreOption()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        var records = await StoreSeed.CreatePostgreSqlAsync(connectionString, days: 1);
        Environment.SetEnvironmentVariable("PROMPTOPS_STORE", "postgres://postgres:" + PostgresServer.Password + "@127.0.0.1:" + server.Port + "/" + new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database);
        try
        {
            var (exitCode, output, error) = CliRunner.Run("calls", "--request", records[0].RequestId);

            Assert.True(exitCode == 0, error);
            Assert.Contains(records[0].RequestId, output, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PROMPTOPS_STORE", null);
        }

        var (missingCode, _, missing) = CliRunner.Run("calls", "--request", "x");
        Assert.Equal(2, missingCode);
        Assert.Contains("PROMPTOPS_STORE", missing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_StoreInAnotherSchemaNamedBySearchPath_IsRead()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        await using (var database = new PostgreSqlDatabase(Npgsql.NpgsqlDataSource.Create(connectionString), ownsDataSource: true, "ops", migrate: true))
        {
            await new PostgreSqlCallWriter(database).WriteBatchAsync([new PromptCallRecord { RequestId = "in-ops", Timestamp = DateTimeOffset.UtcNow, Feature = "support", Success = true }], CancellationToken.None);
        }

        var (exitCode, output, error) = CliRunner.Run("calls", "--request", "in-ops", "--store", connectionString + ";Search Path=ops");

        Assert.True(exitCode == 0, error);
        Assert.Contains("in-ops", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_DatabaseWithoutAPromptOpsStore_ExitsOneSayingWhatToDo()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();

        var (exitCode, _, error) = CliRunner.Run("report", "--store", connectionString);

        Assert.Equal(1, exitCode);
        Assert.Contains("holds no PromptOps store", error, StringComparison.Ordinal);
    }

    public void Dispose() => _runner.Dispose();

    private async Task<(string Sqlite, (string ConnectionString, string Name) Postgres)> SeedBothAsync()
    {
        var sqlite = Path.Combine(_runner.Root, "unused.db");
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        await StoreSeed.CreatePostgreSqlAsync(connectionString);
        await using var database = new PostgreSqlDatabase(Npgsql.NpgsqlDataSource.Create(connectionString), ownsDataSource: true, "promptops", migrate: false);
        return (sqlite, (connectionString, database.Name));
    }

    private static (int ExitCode, string Output, string Error) Normalise((int ExitCode, string Output, string Error) result, string storeName, string hint) =>
        (result.ExitCode, Replace(result.Output, storeName, hint), Replace(result.Error, storeName, hint));

    private static string Replace(string text, string storeName, string hint) =>
        System.Text.RegularExpressions.Regex.Replace(text, "\"generatedAt\": \"[^\"]*\"|generated [0-9-]+ [0-9:]+", "<generated>").Replace(System.Text.Json.JsonEncodedText.Encode(storeName).ToString(), "<store>", StringComparison.Ordinal)
            .Replace(storeName, "<store>", StringComparison.Ordinal)
            .Replace(hint, "<hint>", StringComparison.Ordinal);
}

/// <summary>Tests that set process-wide environment variables run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentVariableTests
{
    public const string Name = "Environment variables";
}
