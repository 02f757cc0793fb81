using Microsoft.Data.Sqlite;

using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Sqlite;

/// <summary>The SQLite activation log: ids and relations survive, and conditional appends are atomic across connections.</summary>
public sealed class SqliteActivationLogTests
{
    [Fact]
    public async Task TryRecordAsync_ManyConnectionsExpectingTheSameLatest_ExactlyOneAppends()
    {
        using var temp = new TempStore();
        var first = SampleActivations.Rollback();
        await SqliteStoreBuilderExtensions.OpenActivationLog(temp.ConnectionString).RecordAsync(first);

        // One log object per writer: each has its own connections, as separate processes would.
        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
            await SqliteStoreBuilderExtensions.OpenActivationLog(temp.ConnectionString).TryRecordAsync(SampleActivations.Rollback(to: $"1.0.{i}"), first.Id))));

        Assert.Single(results, appended => appended);
        Assert.Equal(2, temp.Scalar("SELECT COUNT(*) FROM activations"));
    }

    [Fact]
    public async Task TryRecordAsync_ObservedEntriesInBetween_DoNotCountAsChanges()
    {
        using var temp = new TempStore();
        var log = SqliteStoreBuilderExtensions.OpenActivationLog(temp.ConnectionString);
        var first = SampleActivations.Rollback();
        await log.RecordAsync(first);
        await log.RecordAsync(new PromptActivation { PromptId = first.PromptId, Environment = "PRODUCTION", ToVersion = "2.1.0", ActivatedBy = "configuration", Timestamp = first.Timestamp, Kind = PromptActivationKind.Observed });

        Assert.True(await log.TryRecordAsync(SampleActivations.Rollback(to: "2.1.0"), first.Id));
        Assert.False(await log.TryRecordAsync(SampleActivations.Rollback(to: "2.0.0"), first.Id));
    }

    [Fact]
    public async Task GetHistoryAsync_EntriesWithIdsRelationsAndPlans_ReadBackInTheOrderAppendedWhateverTheirClocks()
    {
        using var temp = new TempStore();
        var log = SqliteStoreBuilderExtensions.OpenActivationLog(temp.ConnectionString);
        var start = new PromptActivation
        {
            PromptId = "customer-support",
            Environment = "production",
            FromVersion = "2.1.0",
            ToVersion = "2.1.0:95, 2.0.0:5; salt=x",
            ActivatedBy = "ann",
            Timestamp = new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero),
            Kind = PromptActivationKind.Requested,
            Rollout = "steps=5,100; interval=30m; guard=none; min-calls=100",
        };
        var skewed = new PromptActivation
        {
            PromptId = "customer-support",
            Environment = "production",
            ToVersion = "2.1.0:95, 2.0.0:5; salt=x",
            ActivatedBy = "bob",
            Timestamp = start.Timestamp - TimeSpan.FromMinutes(3), // bob's clock is behind
            RelatesTo = start.Id,
            Rollout = start.Rollout,
        };
        await log.RecordAsync(start);
        await log.RecordAsync(skewed);

        var history = await log.GetHistoryAsync();

        Assert.Equal([start.Id, skewed.Id], history.Select(a => a.Id));
        Assert.Equal((PromptActivationKind.Requested, start.Rollout), (history[0].Kind, history[0].Rollout));
        Assert.Equal((start.Id, PromptActivationKind.Activated), (history[1].RelatesTo, history[1].Kind));
    }

    [Fact]
    public async Task Migration_StoreOfSchemaTwo_GivesOldEntriesIdsAndKeepsThem()
    {
        using var temp = new TempStore();
        using (var connection = new SqliteConnection(temp.ConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE activations (id INTEGER PRIMARY KEY, prompt_id TEXT NOT NULL, environment TEXT NOT NULL, from_version TEXT, to_version TEXT NOT NULL, activated_by TEXT NOT NULL, timestamp_ticks INTEGER NOT NULL, reason TEXT, kind TEXT NOT NULL DEFAULT 'observed');
                INSERT INTO activations (prompt_id, environment, to_version, activated_by, timestamp_ticks, kind) VALUES ('customer-support', 'production', '2.0.0', 'ann', 638999000000000000, 'activated');
                CREATE TABLE calls (id INTEGER PRIMARY KEY, timestamp_ticks INTEGER NOT NULL, feature TEXT NOT NULL, model TEXT, user_id TEXT, tenant_id TEXT, prompt_id TEXT, prompt_version TEXT, variant TEXT, label TEXT,
                    success INTEGER NOT NULL, input_tokens INTEGER, output_tokens INTEGER, cached_input_tokens INTEGER, cost_usd TEXT, latency_ticks INTEGER NOT NULL, time_to_first_token_ticks INTEGER);
                """;
            command.ExecuteNonQuery();
        }

        // Migrations 3 to 5 touch the activation log, add a table and index the calls: a file holding schema 2's log and the calls
        // columns the index names, marked as schema 2, is enough.
        using (var connection = new SqliteConnection(temp.ConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 2;";
            command.ExecuteNonQuery();
        }

        var history = await SqliteStoreBuilderExtensions.OpenActivationLog(temp.ConnectionString).GetHistoryAsync();

        Assert.Equal("a1", Assert.Single(history).Id);
        Assert.Equal(SqliteDatabase.SchemaVersion, temp.Scalar("PRAGMA user_version"));
    }
}
