using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PromptOps;

/// <summary>
/// Hands spend alerts to the <see cref="IBudgetAlertHandler"/>s on one background worker, in the order they fired (a 50%
/// alert never arrives after the 100% one), and counts them in the <c>promptops.spend.alerts</c> metric. A call that
/// raises an alert only queues it.
/// </summary>
internal sealed partial class BudgetAlertPublisher : IDisposable
{
    private readonly IBudgetAlertHandler[] _handlers;
    private readonly ILogger _logger;
    private readonly Channel<SpendBudgetAlert> _queue = Channel.CreateUnbounded<SpendBudgetAlert>(new UnboundedChannelOptions { SingleReader = true });
    private readonly DeliveryProgress _progress = new();
    private readonly Task _worker;

    public BudgetAlertPublisher(IEnumerable<IBudgetAlertHandler> handlers, ILogger<BudgetAlertPublisher>? logger = null)
    {
        _handlers = [.. handlers];
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _worker = Task.Run(DeliverAsync);
    }

    /// <summary>Counts the alert and queues it for the handlers; alerts are rare (each threshold once per period), so the queue is unbounded.</summary>
    public void Publish(SpendBudgetAlert alert)
    {
        PromptOpsTelemetry.SpendAlerts.Add(
            1,
            new KeyValuePair<string, object?>(PromptOpsTelemetry.BudgetNameAttribute, alert.Budget),
            new KeyValuePair<string, object?>(PromptOpsTelemetry.BudgetThresholdAttribute, alert.Threshold));
        if (_queue.Writer.TryWrite(alert))
        {
            _progress.Accept();
        }
    }

    /// <summary>Waits until every alert published so far has been handled.</summary>
    public Task FlushAsync() => _progress.WaitAsync(_worker, CancellationToken.None);

    public void Dispose() => _queue.Writer.TryComplete();

    private async Task DeliverAsync()
    {
        await foreach (var alert in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            foreach (var handler in _handlers)
            {
                try
                {
                    await handler.HandleAsync(alert, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    LogHandlerFailed(_logger, ex, handler.GetType().FullName ?? handler.GetType().Name, alert.Budget, alert.Threshold);
                }
            }

            _progress.Finish(1);
        }

        _progress.Close();
    }

    [LoggerMessage(EventId = 2403, Level = LogLevel.Error, Message = "The budget alert handler '{Handler}' failed on the {Threshold:P0} alert of budget '{Budget}'. The call was not affected.")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string handler, string budget, double threshold);
}
