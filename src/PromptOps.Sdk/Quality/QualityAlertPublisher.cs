using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PromptOps;

/// <summary>Hands a quality alert (rollback or drift) to every <see cref="IQualityAlertHandler"/>; a failing handler is logged and never stops the others.</summary>
internal sealed partial class QualityAlertPublisher(IEnumerable<IQualityAlertHandler> handlers, ILogger<QualityAlertPublisher>? logger = null)
{
    private readonly IQualityAlertHandler[] _handlers = [.. handlers];
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public async Task PublishAsync(PromptQualityAlert alert, CancellationToken cancellationToken)
    {
        foreach (var handler in _handlers)
        {
            try
            {
                await handler.HandleAsync(alert, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogHandlerFailed(_logger, ex, handler.GetType().FullName ?? handler.GetType().Name, alert.Alert, alert.PromptId);
            }
        }
    }

    [LoggerMessage(EventId = 1043, Level = LogLevel.Error, Message = "The quality alert handler '{Handler}' failed on the {Alert} alert of {PromptId}; what the alert reports is recorded and logged.")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string handler, string alert, string promptId);
}
