using BenchmarkDotNet.Attributes;
using Npgsql;
using NpgsqlTypes;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Benchmarks;

/// <summary>
/// The PostgreSQL store's record writer against a raw binary COPY of the same rows with Npgsql (the fastest way into
/// PostgreSQL): each iteration writes 10,000 records into an emptied table on a local server the benchmark starts. The raw
/// COPY gets its values precomputed and sends every row in one COPY; the writer is measured from the first
/// <c>TryEnqueue</c> until <c>FlushAsync</c> says every row is in the table (one COPY per batch of 500).
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Store")]
public class PostgreSqlStoreBenchmarks
{
    private const int Rows = 10_000;
    private PostgresServer _server = null!;
    private PostgreSqlDatabase _database = null!;
    private string _connectionString = null!;
    private PromptCallRecord[] _records = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = PostgresServer.StartAsync().GetAwaiter().GetResult();
        _connectionString = _server.CreateDatabaseAsync().GetAwaiter().GetResult();
        _database = new PostgreSqlDatabase(NpgsqlDataSource.Create(_connectionString), ownsDataSource: true, "promptops", migrate: true);
        _records = BenchmarkRecords.Create(Rows);

        // Both contenders must store every row before anything is timed.
        Empty();
        RawCopy();
        Check("raw COPY");
        Empty();
        StoreWriter().GetAwaiter().GetResult();
        Check("store writer");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _database.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [IterationSetup]
    public void Empty()
    {
        _database.EnsureSchemaAsync().AsTask().GetAwaiter().GetResult();
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using (var truncate = new NpgsqlCommand("TRUNCATE promptops.calls;", connection))
        {
            truncate.ExecuteNonQuery();
        }

        using var vacuum = new NpgsqlCommand("VACUUM promptops.calls;", connection);
        vacuum.ExecuteNonQuery();
    }

    [Benchmark(Baseline = true, Description = "raw Npgsql binary COPY of the same rows")]
    public void RawCopy()
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var importer = connection.BeginBinaryImport("COPY promptops.calls (request_id, started_at, feature, user_id, tenant_id, prompt_id, prompt_version, label, model, response_model, provider, temperature, max_output_tokens, input_tokens, output_tokens, cached_input_tokens, estimated_input_tokens, usage_estimated, usage_clamped, latency_ticks, cost_usd, price_source, tools_available, tools_called, finish_reason, success, streaming, tags) FROM STDIN (FORMAT BINARY)");
        foreach (var r in _records)
        {
            importer.StartRow();
            importer.Write(r.RequestId, NpgsqlDbType.Text);
            importer.Write(r.Timestamp.UtcDateTime, NpgsqlDbType.TimestampTz);
            importer.Write(r.Feature, NpgsqlDbType.Text);
            importer.Write(r.UserId!, NpgsqlDbType.Text);
            importer.Write(r.TenantId!, NpgsqlDbType.Text);
            importer.Write(r.PromptId!, NpgsqlDbType.Text);
            importer.Write(r.PromptVersion!, NpgsqlDbType.Text);
            importer.Write(r.Label!, NpgsqlDbType.Text);
            importer.Write(r.Model!, NpgsqlDbType.Text);
            importer.Write(r.ResponseModel!, NpgsqlDbType.Text);
            importer.Write(r.Provider!, NpgsqlDbType.Text);
            importer.Write(r.Temperature!.Value, NpgsqlDbType.Real);
            importer.Write(r.MaxOutputTokens!.Value, NpgsqlDbType.Integer);
            importer.Write(r.InputTokens!.Value, NpgsqlDbType.Bigint);
            importer.Write(r.OutputTokens!.Value, NpgsqlDbType.Bigint);
            importer.Write(r.CachedInputTokens!.Value, NpgsqlDbType.Bigint);
            importer.Write(r.EstimatedInputTokens!.Value, NpgsqlDbType.Integer);
            importer.Write(r.UsageEstimated, NpgsqlDbType.Boolean);
            importer.Write(r.UsageClamped, NpgsqlDbType.Boolean);
            importer.Write(r.Latency.Ticks, NpgsqlDbType.Bigint);
            importer.Write(r.Cost!.Value, NpgsqlDbType.Numeric);
            importer.Write(r.PriceSource!, NpgsqlDbType.Text);
            importer.Write(BenchmarkRecords.Tools, NpgsqlDbType.Array | NpgsqlDbType.Text);
            importer.Write(Array.Empty<string>(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            importer.Write(r.FinishReason!, NpgsqlDbType.Text);
            importer.Write(r.Success, NpgsqlDbType.Boolean);
            importer.Write(r.Streaming, NpgsqlDbType.Boolean);
            importer.Write(BenchmarkRecords.TagsJson, NpgsqlDbType.Jsonb);
        }

        importer.Complete();
    }

    [Benchmark(Description = "PromptOps call-record dispatcher to the PostgreSQL sink (TryEnqueue x 10,000 + FlushAsync)")]
    public async Task StoreWriter()
    {
        await using var dispatcher = new CallRecordDispatcher([new PostgreSqlCallWriter(_database)], options: new PromptOpsCallOptions { QueueCapacity = 20_000 });
        foreach (var record in _records)
        {
            dispatcher.TryEnqueue(record);
        }

        await dispatcher.FlushAsync();
    }

    private void Check(string contender)
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT COUNT(*), COUNT(DISTINCT request_id), SUM(input_tokens)::bigint FROM promptops.calls;", connection);
        using var reader = command.ExecuteReader();
        reader.Read();
        var expectedTokens = _records.Sum(r => r.InputTokens ?? 0);
        if (reader.GetInt64(0) != Rows || reader.GetInt64(1) != Rows || reader.GetInt64(2) != expectedTokens)
        {
            throw new InvalidOperationException($"The {contender} stored {reader.GetInt64(0)} rows ({reader.GetInt64(1)} distinct, {reader.GetInt64(2)} input tokens); expected {Rows} ({expectedTokens} input tokens).");
        }
    }
}

/// <summary>The records the store benchmarks write: realistic values, every column the raw contenders write set.</summary>
internal static class BenchmarkRecords
{
    public static readonly string[] Tools = ["lookup_order", "track_shipping"];

    public const string TagsJson = "{\"channel\":\"chat\"}";

    public static PromptCallRecord[] Create(int rows)
    {
        var start = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        return [.. Enumerable.Range(0, rows).Select(i => new PromptCallRecord
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
            ToolsAvailable = Tools,
            FinishReason = "stop",
            Success = true,
            Tags = new Dictionary<string, string> { ["channel"] = "chat" },
        })];
    }
}
