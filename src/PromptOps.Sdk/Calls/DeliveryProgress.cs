namespace PromptOps;

/// <summary>
/// Counts what a background worker accepted and finished, and lets callers wait until everything accepted before they asked
/// is finished. Shared by the call-record dispatcher and the sinks that buffer (the SQLite store).
/// </summary>
internal sealed class DeliveryProgress
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _next;
    private bool _closed;
    private long _accepted;
    private long _finished;

    /// <summary>Gets how many items were accepted and are not finished yet.</summary>
    public int Pending => (int)Math.Max(0, Interlocked.Read(ref _accepted) - Interlocked.Read(ref _finished));

    /// <summary>Counts one accepted item.</summary>
    public void Accept() => Interlocked.Increment(ref _accepted);

    /// <summary>Counts finished items and wakes the waiters, if any (nothing is allocated when nobody waits).</summary>
    public void Finish(long count)
    {
        Interlocked.Add(ref _finished, count);
        TaskCompletionSource? waiting;
        lock (_lock)
        {
            (waiting, _next) = (_next, null);
        }

        waiting?.TrySetResult();
    }

    /// <summary>Wakes the waiters for good: the worker has stopped.</summary>
    public void Close()
    {
        TaskCompletionSource? waiting;
        lock (_lock)
        {
            _closed = true;
            (waiting, _next) = (_next, null);
        }

        waiting?.TrySetResult();
    }

    /// <summary>Waits until everything accepted before the call is finished, or the worker has stopped.</summary>
    public async Task WaitAsync(Task worker, CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _accepted);
        while (!worker.IsCompleted)
        {
            Task next;
            lock (_lock)
            {
                // Checked under the lock that Finish and Close take, so that no wake-up is missed.
                if (_closed || Interlocked.Read(ref _finished) >= target)
                {
                    return;
                }

                next = (_next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
