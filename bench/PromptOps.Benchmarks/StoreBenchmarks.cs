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
        _records = BenchmarkRecords.Create(Rows);
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
