namespace PromptOps;

/// <summary>The hourly retention every store runs when it is configured with a number of days.</summary>
internal static class StoreRetention
{
    /// <summary>
    /// Deletes the records older than <paramref name="days"/> now and then every hour until cancelled. A failure that
    /// <paramref name="failed"/> accepts (it logs it) is tried again an hour later; any other escapes.
    /// </summary>
    public static async Task RunAsync(ICallStore store, int days, TimeProvider timeProvider, Action<long> deleted, Func<Exception, bool> failed, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), timeProvider);
        do
        {
            try
            {
                var count = await store.DeleteOlderThanAsync(timeProvider.GetUtcNow().AddDays(-days), cancellationToken).ConfigureAwait(false);
                if (count > 0)
                {
                    deleted(count);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (failed(ex))
            {
            }
        }
        while (await WaitAsync(timer, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
