using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PromptOps;

/// <summary>Hands spend alerts to the <see cref="IBudgetAlertHandler"/>s in the background and counts them in the <c>promptops.spend.alerts</c> metric.</summary>
internal sealed partial class BudgetAlertPublisher(IEnumerable<IBudgetAlertHandler> handlers, ILogger<BudgetAlertPublisher>? logger = null)
{
    private readonly IBudgetAlertHandler[] _handlers = [.. handlers];
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    public void Publish(SpendBudgetAlert alert)
    {
        PromptOpsTelemetry.SpendAlerts.Add(
            1,
            new KeyValuePair<string, object?>(PromptOpsTelemetry.BudgetNameAttribute, alert.Budget),
            new KeyValuePair<string, object?>(PromptOpsTelemetry.BudgetThresholdAttribute, alert.Threshold));
        foreach (var handler in _handlers)
        {
            var task = Task.Run(async () =>
            {
                try
                {
                    await handler.HandleAsync(alert, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    LogHandlerFailed(_logger, ex, handler.GetType().FullName ?? handler.GetType().Name, alert.Budget, alert.Threshold);
                }
            });
            _running.TryAdd(task, 0);
            _ = task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Waits until every alert published so far has been handled.</summary>
    public Task FlushAsync() => Task.WhenAll(_running.Keys);

    [LoggerMessage(EventId = 2403, Level = LogLevel.Error, Message = "The budget alert handler '{Handler}' failed on the {Threshold:P0} alert of budget '{Budget}'. The call was not affected.")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string handler, string budget, double threshold);
}
