using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace PromptOps.Tests.Sqlite;

public class SqliteCallStoreTests
{
    [Fact]
    public async Task WriteBatchAsync_RecordWithEveryFieldSet_ReadsBackEqualByRequestId()
    {
        using var temp = new TempStore();
        await using var recording = new RecordingStore(temp.ConnectionString);
        var store = recording.Store;
        var written = SampleRecords.EveryFieldSet();

        recording.Write(written);
        await recording.FlushAsync();
        var read = Assert.Single(await store.GetRequestAsync("req-7f3a"));

        foreach (var property in typeof(PromptCallRecord).GetProperties().Where(p => p.GetMethod!.IsPublic))
        {
            var expected = property.GetValue(written);
            var actual = property.GetValue(read);
            if (expected is System.Collections.IEnumerable sequence and not string)
            {
                Assert.Equal(sequence.Cast<object>(), ((System.Collections.IEnumerable)actual!).Cast<object>());
            }
            else
            {
                Assert.True(Equals(expected, actual), $"{property.Name}: wrote {expected}, read {actual}");
            }
        }
    }

    [Fact]
    public async Task WriteBatchAsync_TextWithANulCharacterAndEmoji_ReadsBackWhole()
    {
        using var temp = new TempStore();
        await using var recording = new RecordingStore(temp.ConnectionString);
        var store = recording.Store;
        var written = new PromptCallRecord
        {
            RequestId = "req-nul",
            Timestamp = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero),
            Feature = "support",
            Success = false,
            Error = "bad byte \0 in the reply",
            OutputContent = "before\0after 🎉",
            InputContent = string.Empty,
        };

        recording.Write(written);
        await recording.FlushAsync();
        var read = Assert.Single(await store.GetRequestAsync("req-nul"));

        Assert.Equal((written.Error, written.OutputContent, written.InputContent), (read.Error, read.OutputContent, read.InputContent));
    }

    [Fact]
    public async Task WriteBatchAsync_HundredThousandRecordsFromSixteenThreads_StoresEveryOne()
    {
        using var temp = new TempStore();
        await using var recording = new RecordingStore(temp.ConnectionString, new PromptOpsCallOptions { QueueCapacity = 200_000 });

        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, thread =>
        {
            for (var i = 0; i < 6_250; i++)
            {
                recording.Write(TempStore.Record((thread * 6_250) + i));
            }
        });
        await recording.FlushAsync();

        Assert.Equal(0, recording.DroppedCount);
        Assert.Equal(0, recording.LostCount);
        Assert.Equal(100_000, temp.Scalar("SELECT COUNT(*) FROM calls"));
        Assert.Equal(100_000, temp.Scalar("SELECT COUNT(DISTINCT request_id) FROM calls"));
    }

    [Fact]
    public async Task DisposeAsync_RecordsStillQueued_AreWrittenBeforeItReturns()
    {
        using var temp = new TempStore();
        var recording = new RecordingStore(temp.ConnectionString, new PromptOpsCallOptions { BatchSizeLimit = 10, DeliveryInterval = TimeSpan.FromMinutes(1) });
        for (var i = 0; i < 2_000; i++)
        {
            recording.Write(TempStore.Record(i));
        }

        await recording.DisposeAsync();

        Assert.Equal(2_000, temp.Scalar("SELECT COUNT(*) FROM calls"));
    }

    [Fact]
    public async Task AggregateAsync_ByFeatureModelAndDay_MatchesSumsComputedIndependently()
    {
        using var temp = new TempStore();
        await using var recording = new RecordingStore(temp.ConnectionString);
        var store = recording.Store;
        var random = new Random(20261123);
        string[] features = ["customer_support", "search", "summarise"];
        string[] models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5"];
        var records = Enumerable.Range(0, 3_000).Select(i => TempStore.Record(
            i,
            at: new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(0, 4 * 24 * 60)),
            feature: features[random.Next(features.Length)],
            model: models[random.Next(models.Length)],
            user: random.Next(4) == 0 ? null : $"user-{random.Next(20)}",
            cost: random.Next(10) == 0 ? null : Math.Round((decimal)random.NextDouble() / 100, 9),
            success: random.Next(20) != 0,
            latency: TimeSpan.FromMilliseconds(random.Next(50, 5_000)))).ToList();
        foreach (var record in records)
        {
            recording.Write(record);
        }

        await recording.FlushAsync();
        var from = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

        var aggregates = await store.AggregateAsync(new CallQuery { From = from, To = to }, [CallGrouping.Feature, CallGrouping.Model, CallGrouping.Day]);

        var expected = records
            .Where(r => r.Timestamp >= from && r.Timestamp < to)
            .GroupBy(r => (r.Feature, r.Model!, Day: r.Timestamp.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)))
            .ToDictionary(g => $"{g.Key.Feature}|{g.Key.Item2}|{g.Key.Day}", g => g.ToList());
        Assert.Equal(expected.Count, aggregates.Count);
        Assert.Equal(3 * 3 * 2, aggregates.Count);
        foreach (var aggregate in aggregates)
        {
            var group = expected[string.Join('|', aggregate.Keys)];
            Assert.Equal(group.Count, aggregate.Calls);
            Assert.Equal(group.Count(r => !r.Success), aggregate.Errors);
            Assert.Equal(group.Sum(r => r.InputTokens ?? 0), aggregate.InputTokens);
            Assert.Equal(group.Sum(r => r.OutputTokens ?? 0), aggregate.OutputTokens);
            Assert.Equal(group.Sum(r => r.Cost ?? 0), aggregate.Cost);
            Assert.Equal(group.Count(r => r.Success && r.Cost is null), aggregate.UnpricedCalls);
            var latencies = group.Select(r => r.Latency).Order().ToList();
            Assert.Equal(latencies[(int)Math.Ceiling(0.50 * latencies.Count) - 1], aggregate.P50Latency);
            Assert.Equal(latencies[(int)Math.Ceiling(0.95 * latencies.Count) - 1], aggregate.P95Latency);
        }

        // Days in calendar order; within a day, the costliest group first.
        Assert.True(
            aggregates.Zip(aggregates.Skip(1)).All(p => string.CompareOrdinal(p.First.Keys[2], p.Second.Keys[2]) < 0 || (p.First.Keys[2] == p.Second.Keys[2] && p.First.Cost >= p.Second.Cost)),
            "aggregates are not ordered by day, then by cost");
        var total = Assert.Single(await store.AggregateAsync(new CallQuery(), []));
        Assert.Equal(records.Sum(r => r.Cost ?? 0), total.Cost);
        Assert.Equal(records.Count, total.Calls);
    }

    [Theory]
    [InlineData("0.000000123456789123", "0.1")]          // 18 decimals: more than pico-dollars hold
    [InlineData("2500.125", "0.000375")]                 // $2,500 for one call: above the range summed in pico-dollars
    [InlineData("0.000375", "0.00000015")]               // the common case, summed in pico-dollars
    [InlineData("9000000.5", "9000000.25")]              // over $9.2 million in pico-dollars overflows SQLite's integers
    public async Task AggregateAsync_AnyCostPrecisionOrSize_SumsExactlyAsDecimals(string first, string second)
    {
        using var temp = new TempStore();
        await using var recording = new RecordingStore(temp.ConnectionString);
        var costs = new[] { decimal.Parse(first, System.Globalization.CultureInfo.InvariantCulture), decimal.Parse(second, System.Globalization.CultureInfo.InvariantCulture) };
        for (var i = 0; i < 20; i++)
        {
            recording.Write(TempStore.Record(i, cost: costs[i % 2], model: i < 10 ? "a" : "b"));
        }

        await recording.FlushAsync();
        var byModel = await recording.Store.AggregateAsync(new CallQuery(), [CallGrouping.Model]);

        Assert.All(byModel, a => Assert.Equal(5 * (costs[0] + costs[1]), a.Cost));
        Assert.Equal((10 * (costs[0] + costs[1])).ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(await recording.Store.AggregateAsync(new CallQuery(), [])).Cost.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task QueryAsync_Filters_ReturnOnlyMatchingRecordsNewestFirst()
    {
        using var temp = new TempStore();
        await using var recording = new RecordingStore(temp.ConnectionString);
        var store = recording.Store;
        for (var i = 0; i < 40; i++)
        {
            recording.Write(TempStore.Record(i, feature: i % 2 == 0 ? "search" : "support", user: $"u{i % 4}", success: i % 5 != 0));
        }

        await recording.FlushAsync();

        var failedSearches = await store.QueryAsync(new CallQuery { Feature = "search", Success = false });
        var user0 = await store.QueryAsync(new CallQuery { UserId = "u0", Limit = 3 });

        Assert.Equal(["req-30", "req-20", "req-10", "req-0"], failedSearches.Select(r => r.RequestId));
        Assert.Equal(["req-36", "req-32", "req-28"], user0.Select(r => r.RequestId));
    }

    [Fact]
    public async Task DeleteOlderThanAsync_Retention_DeletesOnlyOlderRecords()
    {
        using var temp = new TempStore();
        await using var recording = new RecordingStore(temp.ConnectionString);
        var store = recording.Store;
        var now = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        for (var day = 0; day < 10; day++)
        {
            recording.Write(TempStore.Record(day, at: now.AddDays(-day).AddHours(1)));
        }

        await recording.FlushAsync();

        var deleted = await store.DeleteOlderThanAsync(now.AddDays(-7));

        // Days 8 and 9 started before the cutoff; day 7 started an hour after it.
        Assert.Equal(2, deleted);
        Assert.Equal(8, temp.Scalar("SELECT COUNT(*) FROM calls"));
    }

    [Fact]
    public async Task WriteBatchAsync_FileLockedByAnotherWriter_RetriesCountsTheLostRecordsThenRecoversAndLogsOncePerEpisode()
    {
        using var temp = new TempStore();
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        var options = new PromptOpsCallOptions { WriteRetries = 1, RetryDelay = TimeSpan.FromMilliseconds(10) };
        await using var recording = new RecordingStore(temp.ConnectionString, options, loggers, TimeSpan.FromMilliseconds(50), prepare: d => d.EnsureSchema());

        using (var holder = new SqliteConnection(temp.ConnectionString))
        {
            holder.Open();
            using var exclusive = holder.BeginTransaction(deferred: false);
            for (var i = 0; i < 3; i++)
            {
                recording.Write(TempStore.Record(i));
            }

            await recording.FlushAsync();
            Assert.Equal(3, recording.LostCount);
            exclusive.Rollback();
        }

        recording.Write(TempStore.Record(9));
        await recording.FlushAsync();

        Assert.Equal(1, temp.Scalar("SELECT COUNT(*) FROM calls"));
        var failure = Assert.Single(logs.GetSnapshot(), l => l.Id.Id == 2102);
        Assert.Contains(typeof(SqliteCallWriter).FullName!, failure.Message, StringComparison.Ordinal);
        Assert.Contains(temp.Path, failure.Exception!.Message, StringComparison.Ordinal);
        Assert.Contains("locked", failure.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("3 record(s) were lost", Assert.Single(logs.GetSnapshot(), l => l.Id.Id == 2105).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteBatchAsync_ReadOnlyFile_CountsTheRecordsAsLostWithoutThrowing()
    {
        using var temp = new TempStore();
        await using (var writable = new RecordingStore(temp.ConnectionString))
        {
            writable.Write(TempStore.Record(0));
        }

        await using var recording = new RecordingStore($"Data Source={temp.Path};Mode=ReadOnly", new PromptOpsCallOptions { WriteRetries = 0 });

        recording.Write(TempStore.Record(1));
        await recording.FlushAsync();

        Assert.Equal(1, recording.LostCount);
        Assert.Single(await recording.Store.GetRequestAsync("req-0"));
    }

    [Fact]
    public async Task WriteBatchAsync_DiskFull_CountsTheRecordsAsLost()
    {
        using var temp = new TempStore();
        await using var recording = new RecordingStore(temp.ConnectionString, new PromptOpsCallOptions { WriteRetries = 0 }, busyTimeout: TimeSpan.FromSeconds(1), prepare: database =>
        {
            database.EnsureSchema();
            database.ConnectionOpened = connection =>
            {
                // A database that may not grow is what SQLite reports as a full disk (SQLITE_FULL).
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA max_page_count = 1;";
                command.ExecuteNonQuery();
            };
        });
        var big = TempStore.Record(0);
        big = new PromptCallRecord { RequestId = big.RequestId, Timestamp = big.Timestamp, Feature = big.Feature, OutputContent = new string('x', 200_000) };

        recording.Write(big);
        await recording.FlushAsync();

        Assert.Equal(1, recording.LostCount);
        Assert.Equal(0, temp.Scalar("SELECT COUNT(*) FROM calls"));
    }

    [Fact]
    public async Task WriteBatchAsync_FileDeletedWhileRunning_CreatesItAgainAndKeepsWriting()
    {
        using var temp = new TempStore();
        await using var recording = new RecordingStore(temp.ConnectionString);
        var store = recording.Store;
        recording.Write(TempStore.Record(0));
        await recording.FlushAsync();

        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(temp.Directory))
        {
            File.Delete(file);
        }

        recording.Write(TempStore.Record(1));
        await recording.FlushAsync();

        Assert.True(File.Exists(temp.Path));
        Assert.Equal(0, recording.LostCount);
        Assert.Single(await store.GetRequestAsync("req-1"));
        Assert.Empty(await store.GetRequestAsync("req-0"));
    }

    [Fact]
    public async Task Open_StoreWrittenByANewerVersion_RefusesClearlyAndLeavesTheFileAlone()
    {
        using var temp = new TempStore();
        using (var connection = new SqliteConnection(temp.ConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            command.ExecuteNonQuery();
        }

        await using var recording = new RecordingStore(temp.ConnectionString);
        var store = recording.Store;
        var error = await Assert.ThrowsAsync<PromptOpsException>(() => store.GetRequestAsync("req-0"));

        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains(temp.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade PromptOps.Sdk.Sqlite", error.Message, StringComparison.Ordinal);
        Assert.Equal(99, temp.Scalar("PRAGMA user_version"));
        Assert.Equal(0, temp.Scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'calls'"));
    }

    [Fact]
    public async Task Open_TwoStoresMigratingOneNewFileAtOnce_CreateTheSchemaOnce()
    {
        using var temp = new TempStore();
        var stores = Enumerable.Range(0, 8).Select(_ => SqliteStoreBuilderExtensions.OpenSqliteStore(temp.ConnectionString)).ToList();

        await Parallel.ForEachAsync(stores, async (store, ct) => await store.QueryAsync(new CallQuery(), ct));

        Assert.Equal(SqliteDatabase.SchemaVersion, temp.Scalar("PRAGMA user_version"));
        Assert.Equal("wal", new SqliteConnection(temp.ConnectionString) is var c && Open(c) is var cmd ? (string)cmd.ExecuteScalar()! : "");
        static SqliteCommand Open(SqliteConnection connection)
        {
            connection.Open();
            var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode;";
            return command;
        }
    }
}
