using Microsoft.Extensions.Logging;

namespace PromptOps.Tests.Sqlite;

/// <summary>
/// A SQLite store as an application has it: records go through the call-record dispatcher to the store's sink, and the
/// store reads them back.
/// </summary>
internal sealed class RecordingStore : IAsyncDisposable
{
    private readonly CallRecordDispatcher _dispatcher;

    public RecordingStore(string connectionString, PromptOpsCallOptions? options = null, ILoggerFactory? loggers = null, TimeSpan? busyTimeout = null, Action<SqliteDatabase>? prepare = null)
    {
        Database = new SqliteDatabase(connectionString, busyTimeout ?? TimeSpan.FromSeconds(5));
        prepare?.Invoke(Database);
        _dispatcher = new CallRecordDispatcher(
            [new SqliteCallWriter(Database, loggers?.CreateLogger<SqliteCallWriter>())],
            loggers?.CreateLogger<CallRecordDispatcher>(),
            options ?? new PromptOpsCallOptions { QueueCapacity = 1_000_000 });
        Store = new SqliteCallStore(Database);
    }

    public SqliteDatabase Database { get; }

    public SqliteCallStore Store { get; }

    /// <summary>Gets how many records the store's sink could not write after its retries.</summary>
    public long LostCount => _dispatcher.SinkErrorCount;

    public long DroppedCount => _dispatcher.DroppedCount;

    public void Write(PromptCallRecord record) => Assert.True(_dispatcher.TryEnqueue(record), $"The dispatcher refused record {record.RequestId}.");

    public Task FlushAsync() => _dispatcher.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));

    public ValueTask DisposeAsync() => _dispatcher.DisposeAsync();
}
