using PromptOps;

namespace QuickStart;

/// <summary>A call-record sink that keeps the latest record, so the sample can print it. Real apps use the SQLite store or their own sink.</summary>
internal sealed class LastCallSink : IPromptCallSink
{
    public PromptCallRecord? Last { get; private set; }

    public ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken)
    {
        Last = records[^1];
        return ValueTask.CompletedTask;
    }
}
