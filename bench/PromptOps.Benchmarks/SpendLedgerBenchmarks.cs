using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using Npgsql;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Benchmarks;

/// <summary>
/// What a spend budget adds to one call: reserve the call's worst case, then settle its actual cost, against the
/// in-memory ledger (one process), the SQLite ledger (one host) and the PostgreSQL ledger (a fleet; on a local server the
/// benchmark starts). The budget is far from its limit, the common case: the PostgreSQL ledger then reserves from its
/// leased slice in memory and adds settled costs in the background, one exchange at a time.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Spend")]
public class SpendLedgerBenchmarks
{
    private static readonly SpendBucket Bucket = new("daily", "*", new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));

    private InMemorySpendLedger _memory = null!;
    private SqliteSpendLedger _sqlite = null!;
    private PostgreSqlSpendLedger _postgres = null!;
    private PostgresServer _server = null!;
    private PostgreSqlDatabase _database = null!;
    private string _directory = null!;
    private long _next;

    [GlobalSetup]
    public void Setup()
    {
        _memory = new InMemorySpendLedger();
        _directory = Directory.CreateTempSubdirectory("promptops-bench-ledger-").FullName;
        var sqlite = new SqliteDatabase($"Data Source={Path.Combine(_directory, "ledger.db")}", TimeSpan.FromSeconds(5));
        sqlite.EnsureSchema();
        _sqlite = new SqliteSpendLedger(sqlite, TimeProvider.System);
        _server = PostgresServer.StartAsync().GetAwaiter().GetResult();
        _database = new PostgreSqlDatabase(NpgsqlDataSource.Create(_server.CreateDatabaseAsync().GetAwaiter().GetResult()), ownsDataSource: true, "promptops", migrate: true);
        _database.EnsureSchemaAsync().AsTask().GetAwaiter().GetResult();
        _postgres = new PostgreSqlSpendLedger(_database, TimeSpan.FromSeconds(30), new FixedOptions(), TimeProvider.System);

        // Every contender must reserve and settle before anything is timed.
        foreach (var ledger in new ISpendLedger[] { _memory, _sqlite, _postgres })
        {
            Call(ledger).AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _postgres.Dispose();
        _database.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "in-memory ledger (one process)")]
    public ValueTask InMemory() => Call(_memory);

    [Benchmark(Description = "SQLite ledger (one host, one transaction each)")]
    public ValueTask Sqlite() => Call(_sqlite);

    [Benchmark(Description = "PostgreSQL ledger (a fleet; leased slice)")]
    public ValueTask PostgreSql() => Call(_postgres);

    private async ValueTask Call(ISpendLedger ledger)
    {
        var id = "r" + Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = await ledger.TryReserveAsync(new SpendReservationRequest(id, 0.01m, [new SpendClaim(Bucket, 1_000_000m)], DateTimeOffset.UtcNow.AddMinutes(30))).ConfigureAwait(false);
        if (!result.Reserved)
        {
            throw new InvalidOperationException($"{ledger.GetType().Name} refused a reservation far below its limit.");
        }

        await ledger.SettleAsync(id, [Bucket], 0.004m).ConfigureAwait(false);
    }

    private sealed class FixedOptions : IOptionsMonitor<PromptOpsOptions>
    {
        public PromptOpsOptions CurrentValue { get; } = new();

        public PromptOpsOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<PromptOpsOptions, string?> listener) => null;
    }
}
