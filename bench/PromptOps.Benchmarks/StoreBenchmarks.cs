using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace PromptOps.Benchmarks;

/// <summary>
/// DESIGN §7 store target: the SQLite call-record writer sustains at least half the rows per second of a raw
/// single-transaction bulk insert of the same rows with Microsoft.Data.Sqlite. Each iteration writes 10,000 records into
/// a fresh file with the store's schema. The raw insert gets its column values precomputed (the strictest floor: it pays
/// no record-to-row conversion); the writer is measured from the first <c>WriteAsync</c> until <c>FlushAsync</c> says
/// every row is in the file.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Store")]
public class StoreBenchmarks
{
    private const int Rows = 10_000;
    private PromptCallRecord[] _records = null!;
    private object?[][] _rows = null!;
    private string _directory = null!;
    private string _path = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("promptops-bench-store-").FullName;
        var start = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        _records = [.. Enumerable.Range(0, Rows).Select(i => new PromptCallRecord
        {
            RequestId = $"req-{i:D6}",
            Timestamp = start.AddMilliseconds(i * 37),
            Feature = i % 3 == 0 ? "customer_support" : "search",
            UserId = $"user-{i % 500}",
            TenantId = "acme",
            PromptId = "customer-support",
            PromptVersion = "2.1.0",
            Label = "production",
            Model = "gpt-4o",
            ResponseModel = "gpt-4o-2024-08-06",
            Provider = "openai",
            Temperature = 0.2f,
            MaxOutputTokens = 800,
            InputTokens = 1_000 + (i % 100),
            OutputTokens = 100 + (i % 50),
            CachedInputTokens = 896,
            EstimatedInputTokens = 1_000,
            Latency = TimeSpan.FromMilliseconds(400 + (i % 900)),
            Cost = 0.0015m + (i % 10 * 0.0001m),
            PriceSource = "litellm 2026-08-01 (sha256 ba37bb46dc46): gpt-4o",
            ToolsAvailable = ["lookup_order", "track_shipping"],
            FinishReason = "stop",
            Success = true,
            Tags = new Dictionary<string, string> { ["channel"] = "chat" },
        })];
        _rows = [.. _records.Select(SqliteCallWriter.Values)];

        // Both contenders must store every row before anything is timed.
        NewFile();
        RawBulkInsert();
        Check("raw bulk insert");
        NewFile();
        StoreWriter().GetAwaiter().GetResult();
        Check("store writer");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [IterationSetup]
    public void NewFile()
    {
        SqliteConnection.ClearAllPools();
        _path = Path.Combine(_directory, $"{Guid.NewGuid():N}.db");
        new SqliteDatabase($"Data Source={_path}", TimeSpan.FromSeconds(5)).EnsureSchema();
    }

    [Benchmark(Baseline = true, Description = "raw single-transaction bulk insert")]
    public void RawBulkInsert()
    {
        using var connection = new SqliteConnection($"Data Source={_path}");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var columns = SqliteCallWriter.ColumnList;
        command.CommandText = $"INSERT INTO calls ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(c => "$" + c))});";
        var parameters = columns.Select(c => command.Parameters.Add(new SqliteParameter { ParameterName = "$" + c })).ToArray();
        command.Prepare();
        foreach (var row in _rows)
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].Value = row[i] ?? DBNull.Value;
            }

            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    [Benchmark(Description = "PromptOps call-record dispatcher to the SQLite sink (TryEnqueue x 10,000 + FlushAsync)")]
    public async Task StoreWriter()
    {
        var writer = new SqliteCallWriter(new SqliteDatabase($"Data Source={_path}", TimeSpan.FromSeconds(5)));
        await using var dispatcher = new CallRecordDispatcher([writer], options: new PromptOpsCallOptions { QueueCapacity = 20_000 });
        foreach (var record in _records)
        {
            dispatcher.TryEnqueue(record);
        }

        await dispatcher.FlushAsync();
    }

    private void Check(string contender)
    {
        using var connection = new SqliteConnection($"Data Source={_path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COUNT(DISTINCT request_id), SUM(input_tokens) FROM calls;";
        using var reader = command.ExecuteReader();
        reader.Read();
        var expectedTokens = _records.Sum(r => r.InputTokens ?? 0);
        if (reader.GetInt64(0) != Rows || reader.GetInt64(1) != Rows || reader.GetInt64(2) != expectedTokens)
        {
            throw new InvalidOperationException($"The {contender} stored {reader.GetInt64(0)} rows ({reader.GetInt64(1)} distinct, {reader.GetInt64(2)} input tokens); expected {Rows} ({expectedTokens} input tokens).");
        }
    }
}
