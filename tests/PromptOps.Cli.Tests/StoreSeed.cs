using Microsoft.Extensions.Options;

namespace PromptOps.Cli.Tests;

/// <summary>Fills a SQLite store through the product's own writer, ledger and start-up code, and keeps what it wrote for the assertions.</summary>
internal static class StoreSeed
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<List<PromptCallRecord>> CreateAsync(string path, decimal dailyLimit = 50m, int days = 20)
    {
        var records = Records(days);
        await new SqliteCallWriter(new SqliteDatabase($"Data Source={path}", TimeSpan.FromSeconds(5))).WriteBatchAsync(records, CancellationToken.None);

        var options = Options(dailyLimit);
        var database = new SqliteDatabase($"Data Source={path}", TimeSpan.FromSeconds(5));
        var ledger = new SqliteSpendLedger(database, TimeProvider.System);
        await SettleAsync(ledger, records);

        using var startup = new SqliteStoreStartup(database, SqliteStoreBuilderExtensions.OpenSqliteStore($"Data Source={path}"), new SqliteStoreOptions(), new FixedOptions(options), TimeProvider.System);
        await startup.StartAsync(CancellationToken.None);
        await startup.StopAsync(CancellationToken.None);
        return records;
    }

    /// <summary>The same records, ledger and budget definitions in a PostgreSQL database, through the PostgreSQL store's own code.</summary>
    public static async Task<List<PromptCallRecord>> CreatePostgreSqlAsync(string connectionString, decimal dailyLimit = 50m, int days = 20)
    {
        var records = Records(days);
        var options = Options(dailyLimit);
        await using var database = new PostgreSqlDatabase(Npgsql.NpgsqlDataSource.Create(connectionString), ownsDataSource: true, "promptops", migrate: true);
        await new PostgreSqlCallWriter(database).WriteBatchAsync(records, CancellationToken.None);
        await using (var ledger = new PostgreSqlSpendLedger(database, TimeSpan.FromSeconds(30), new FixedOptions(options), TimeProvider.System))
        {
            await SettleAsync(ledger, records);
        }

        var store = new PostgreSqlCallStore(database);
        await using var ledgerForStartup = new PostgreSqlSpendLedger(database, TimeSpan.FromSeconds(30), new FixedOptions(options), TimeProvider.System);
        using var startup = new PostgreSqlStoreStartup(database, store, ledgerForStartup, new PostgreSqlStoreOptions(), new FixedOptions(options), TimeProvider.System);
        await startup.StartAsync(CancellationToken.None);
        await startup.StopAsync(CancellationToken.None);
        return records;
    }

    private static async Task SettleAsync(ISpendLedger ledger, List<PromptCallRecord> records)
    {
        foreach (var day in records.Where(r => r.Cost is not null).GroupBy(r => r.Timestamp.UtcDateTime.Date))
        {
            var bucket = new SpendBucket("daily", "*", new DateTimeOffset(day.Key, TimeSpan.Zero));
            await ledger.SettleAsync("seed", [bucket], day.Sum(r => r.Cost!.Value));
        }
    }

    private static PromptOpsOptions Options(decimal dailyLimit)
    {
        var options = new PromptOpsOptions();
        options.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = dailyLimit };
        options.Spending.LedgerTimeout = TimeSpan.FromSeconds(5); // seeding asserts nothing about speed; a cold CI machine is slow
        return options;
    }

    private static List<PromptCallRecord> Records(int days)
    {
        var records = new List<PromptCallRecord>();
        var random = new Random(4711);
        string[] features = ["customer_support", "search", "summarise <b>beta</b>"];
        string[] models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5"];
        for (var i = 0; i < days * 30; i++)
        {
            var feature = features[random.Next(features.Length)];
            var success = random.Next(25) != 0;
            records.Add(new PromptCallRecord
            {
                RequestId = $"req-{i:0000}",
                Timestamp = Start.AddDays(i / 30).AddMinutes(random.Next(0, 24 * 60)),
                Feature = feature,
                UserId = $"user-{random.Next(12)}",
                TenantId = "acme",
                PromptId = feature == "search" ? "search" : "customer-support",
                PromptVersion = random.Next(2) == 0 ? "2.0.0" : "2.1.0",
                Variant = random.Next(3) == 0 ? "spring" : null,
                Label = "production",
                Model = models[random.Next(models.Length)],
                InputTokens = random.Next(100, 3_000),
                OutputTokens = random.Next(10, 800),
                Latency = TimeSpan.FromMilliseconds(random.Next(200, 6_000)),
                TimeToFirstToken = i % 4 == 0 ? TimeSpan.FromMilliseconds(100 + (i % 400)) : null,
                Streaming = i % 4 == 0,
                Cost = random.Next(30) == 0 ? null : Math.Round((decimal)random.NextDouble() * 0.2m, 6),
                Success = success,
                ErrorType = success ? null : "System.Net.Http.HttpRequestException",
                Error = success ? null : "Response status code does not indicate success: 429 (Too Many Requests).",
                FinishReason = success ? "stop" : null,
                ToolsAvailable = ["lookup_order"],
                ToolsCalled = i % 7 == 0 ? ["lookup_order"] : [],
                InputContent = "system: You are the support assistant of Acme Outdoor.\nuser: Where is order 10023?\n",
                OutputContent = success ? "Your order 10023 shipped yesterday." : null,
            });
        }

        return records;
    }

    private sealed class FixedOptions(PromptOpsOptions value) : IOptionsMonitor<PromptOpsOptions>
    {
        public PromptOpsOptions CurrentValue => value;

        public PromptOpsOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PromptOpsOptions, string?> listener) => null;
    }
}
