using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.PostgreSql;

public sealed class PostgreSqlCallStoreTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task WriteBatchAsync_RecordWithEveryFieldSet_ReadsBackEqualByRequestId()
    {
        await using var pg = await PgStore.CreateAsync();
        var (dispatcher, store) = pg.Recording();
        var written = SampleRecords.EveryFieldSet();

        Assert.True(dispatcher.TryEnqueue(written));
        await dispatcher.FlushAsync();
        var read = Assert.Single(await store.GetRequestAsync("req-7f3a"));

        foreach (var property in typeof(PromptCallRecord).GetProperties().Where(p => p.GetMethod!.IsPublic))
        {
            var expected = property.GetValue(written);
            var actual = property.GetValue(read);
            if (property.Name == nameof(PromptCallRecord.Timestamp))
            {
                // PostgreSQL keeps microseconds; the record had 100-nanosecond ticks.
                Assert.Equal(written.Timestamp.UtcTicks / 10, read.Timestamp.UtcTicks / 10);
            }
            else if (expected is IReadOnlyDictionary<string, string> tags)
            {
                // jsonb keeps keys in its own order.
                Assert.Equal(tags.OrderBy(t => t.Key, StringComparer.Ordinal), ((IReadOnlyDictionary<string, string>)actual!).OrderBy(t => t.Key, StringComparer.Ordinal));
            }
            else if (expected is System.Collections.IEnumerable sequence and not string)
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
    public async Task WriteBatchAsync_TextWithANulCharacter_KeepsTheRowWithTheCharacterReplaced()
    {
        await using var pg = await PgStore.CreateAsync();
        var (dispatcher, store) = pg.Recording();

        Assert.True(dispatcher.TryEnqueue(new PromptCallRecord { RequestId = "nul", Timestamp = Day, Feature = "support", Success = true, OutputContent = "before\0after 🎉", Tags = new Dictionary<string, string> { ["k\0"] = "v\0" } }));
        Assert.True(dispatcher.TryEnqueue(new PromptCallRecord { RequestId = "empty", Timestamp = Day, Feature = "support", Success = true, OutputContent = string.Empty }));
        await dispatcher.FlushAsync();

        Assert.Equal("before\uFFFDafter 🎉", Assert.Single(await store.GetRequestAsync("nul")).OutputContent);
        Assert.Equal(string.Empty, Assert.Single(await store.GetRequestAsync("empty")).OutputContent);
        Assert.Equal(0, dispatcher.SinkErrorCount);
    }

    [Fact]
    public async Task AggregateAsync_SameRecordsInSqliteAndPostgreSql_GiveTheSameReportAndQueries()
    {
        await using var pg = await PgStore.CreateAsync();
        var (dispatcher, store) = pg.Recording();
        var sqlitePath = Path.Combine(Path.GetTempPath(), "promptops-compare-" + Guid.NewGuid().ToString("N") + ".db");
        var sqlite = SqliteStoreBuilderExtensions.OpenSqliteStore($"Data Source={sqlitePath}");
        var sqliteDispatcher = new CallRecordDispatcher([SqliteWriter(sqlitePath)], null, new PromptOpsCallOptions { QueueCapacity = 100_000 });
        try
        {
            var random = new Random(7);
            string[] features = ["support", "search", "summaries"];
            string?[] users = ["u-1", "u-2", null];
            string?[] models = ["gpt-4o", "gpt-4o-mini", null];
            for (var i = 0; i < 600; i++)
            {
                var record = new PromptCallRecord
                {
                    RequestId = $"r{i % 450}",
                    Timestamp = Day.AddHours(random.Next(0, 24 * 5)).AddSeconds(random.Next(3600)),
                    Feature = features[random.Next(features.Length)],
                    UserId = users[random.Next(users.Length)],
                    Model = models[random.Next(models.Length)],
                    PromptId = i % 4 == 0 ? null : "customer-support",
                    PromptVersion = i % 3 == 0 ? "2.0.0" : "2.1.0",
                    Success = i % 11 != 0,
                    Cost = i % 13 == 0 ? null : random.Next(1, 100_000) / 1_000_000m,
                    Latency = TimeSpan.FromTicks(random.Next(1, 50_000_000)),
                    InputTokens = random.Next(0, 5000),
                    OutputTokens = i % 17 == 0 ? null : random.Next(0, 800),
                    CachedInputTokens = random.Next(0, 100),
                };
                Assert.True(dispatcher.TryEnqueue(record));
                Assert.True(sqliteDispatcher.TryEnqueue(record));
            }

            await dispatcher.FlushAsync();
            await sqliteDispatcher.FlushAsync();

            CallGrouping[][] groupings = [[], [CallGrouping.Day], [CallGrouping.Feature, CallGrouping.Model], [CallGrouping.User], [CallGrouping.PromptVersion], [CallGrouping.Hour], [CallGrouping.Day, CallGrouping.Prompt], [CallGrouping.Tenant]];
            CallQuery[] queries = [new(), new() { From = Day.AddDays(1), To = Day.AddDays(3) }, new() { Feature = "support", Success = true }, new() { UserId = "u-2", Model = "gpt-4o" }, new() { PromptId = "customer-support", PromptVersion = "2.0.0" }];
            foreach (var query in queries)
            {
                foreach (var grouping in groupings)
                {
                    var expected = await sqlite.AggregateAsync(query, grouping);
                    var actual = await store.AggregateAsync(query, grouping);
                    Assert.Equal(Describe(expected), Describe(actual));
                }

                Assert.Equal(
                    (await sqlite.QueryAsync(query with { Limit = 50 })).Select(r => (r.RequestId, r.Timestamp.UtcTicks / 10)),
                    (await store.QueryAsync(query with { Limit = 50 })).Select(r => (r.RequestId, r.Timestamp.UtcTicks / 10)));
            }

            Assert.Equal((await sqlite.GetRequestAsync("r7")).Count, (await store.GetRequestAsync("r7")).Count);
            Assert.Equal(await sqlite.DeleteOlderThanAsync(Day.AddDays(2)), await store.DeleteOlderThanAsync(Day.AddDays(2)));
            Assert.Equal(Describe(await sqlite.AggregateAsync(new CallQuery(), [])), Describe(await store.AggregateAsync(new CallQuery(), [])));
        }
        finally
        {
            await sqliteDispatcher.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(sqlitePath);
        }
    }

    [Fact]
    public async Task AddPostgreSqlStore_HostedApplication_StoresCallsBudgetsAndActivationsAndFlushesOnStop()
    {
        await using var pg = await PgStore.CreateAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddPromptOps(o =>
        {
            SpendPrices.Configure(o);
            o.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = 1000m };
        }).AddPromptDirectory(RepositoryPaths.Prompts).AddPostgreSqlStore(pg.ConnectionString);
        builder.Services.AddChatClient(Fakes.Replying(usage: new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 })).UsePromptOps();
        using (var host = builder.Build())
        {
            await host.StartAsync();
            var client = host.Services.GetRequiredService<IChatClient>();
            for (var i = 0; i < 25; i++)
            {
                await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options());
            }

            await host.Services.GetRequiredService<IActivationLog>().RecordAsync(new PromptActivation
            {
                PromptId = "customer-support",
                Environment = "production",
                FromVersion = "2.1.0",
                ToVersion = "2.0.0",
                ActivatedBy = "oncall",
                Timestamp = Day,
                Reason = "rollback",
            });

            await host.StopAsync();
        }

        Assert.Equal(25, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.calls"));
        Assert.Equal(250L * 1_000_000_000, await pg.ScalarAsync("SELECT SUM(spent_nanousd) FROM promptops.spend_ledger"));
        Assert.Equal(0, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.spend_leases"));
        Assert.Equal(1, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.spend_budgets WHERE name = 'daily' AND limit_usd = 1000"));
        var history = await new PostgreSqlActivationLog(pg.OpenDatabase()).GetHistoryAsync("customer-support", "PRODUCTION");
        Assert.Equal("rollback", Assert.Single(history).Reason);
        var spend = Assert.Single(await pg.Store().GetBudgetSpendAsync());
        Assert.Equal((250m, 1000m, "Global"), (spend.SpentUsd, spend.LimitUsd!.Value, spend.Scope));
    }

    private static IPromptCallSink SqliteWriter(string path)
    {
        var services = new ServiceCollection();
        services.AddPromptOps().AddSqliteStore($"Data Source={path}");
        return services.BuildServiceProvider().GetServices<IPromptCallSink>().Single(s => s.GetType().Name == "SqliteCallWriter");
    }

    private static string Describe(IReadOnlyList<CallAggregate> aggregates) => string.Join(
        "\n",
        aggregates.Select(a => $"{string.Join('|', a.Keys)}: {a.Calls} calls, {a.Errors} errors, {a.InputTokens}/{a.OutputTokens}/{a.CachedInputTokens} tokens, ${a.Cost}, {a.UnpricedCalls} unpriced, p50 {a.P50Latency.Ticks}, p95 {a.P95Latency.Ticks}"));

    internal static PromptCallRecord Record(string requestId, DateTimeOffset at) => new()
    {
        RequestId = requestId,
        Timestamp = at,
        Feature = "support",
        Model = "gpt-4o-mini",
        Success = true,
        Latency = TimeSpan.FromMilliseconds(120),
        Cost = 0.001m,
    };
}
