using Microsoft.Extensions.Logging;

namespace PromptOps;

/// <summary>Logs every spend budget alert: a warning below the limit, an error at it (event 2402).</summary>
internal sealed partial class LoggingBudgetAlertHandler(ILogger<LoggingBudgetAlertHandler> logger) : IBudgetAlertHandler
{
    public ValueTask HandleAsync(SpendBudgetAlert alert, CancellationToken cancellationToken)
    {
        var level = alert.Threshold >= 1.0 ? LogLevel.Error : LogLevel.Warning;
        if (logger.IsEnabled(level))
        {
            var what = alert.Scope == SpendBudgetScope.Global ? "all calls" : $"{alert.Scope.ToString().ToLowerInvariant()} '{alert.ScopeValue}'";
            LogAlert(logger, level, alert.Budget, what, alert.Threshold, alert.SpentUsd, alert.LimitUsd, alert.Period, alert.PeriodEnd, alert.Action, alert.RequestId);
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 2402, Message = "Spend budget alert: '{Budget}' ({Scope}) reached {Threshold:P0} of its limit: ${Spent} of ${Limit} in this period ({Period}, resets {PeriodEnd:u}). Action at the limit: {Action}. Latest request: {RequestId}.")]
    private static partial void LogAlert(ILogger logger, LogLevel level, string budget, string scope, double threshold, decimal spent, decimal limit, SpendBudgetPeriod period, DateTimeOffset periodEnd, SpendLimitAction action, string requestId);
}
