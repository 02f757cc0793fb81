using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>
/// Checks for drift every <see cref="PromptOpsDriftOptions.CheckInterval"/> when <see cref="PromptOpsDriftOptions.Enabled"/>,
/// and raises one alert per metric that starts drifting (logged as event 1050 and handed to every
/// <see cref="IQualityAlertHandler"/>). A failed check is logged and tried again at the next interval.
/// </summary>
internal sealed partial class DriftMonitor(
    IOptionsMonitor<PromptOpsOptions> options,
    TimeProvider timeProvider,
    QualityAlertPublisher publisher,
    ICallStore? calls = null,
    IFeedbackStore? feedback = null,
    ILogger<DriftMonitor>? logger = null) : BackgroundService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly HashSet<string> _drifting = new(StringComparer.Ordinal);

    /// <summary>Checks once now; returns the alerts raised.</summary>
    public async Task<IReadOnlyList<PromptDriftAlert>> CheckAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue.Drift;
        if (calls is null)
        {
            return [];
        }

        var now = timeProvider.GetUtcNow();
        var findings = await DriftCheck.RunAsync(calls, feedback, now, settings.RecentWindow, settings.ReferenceWindow, null, new DriftRule { MinimumCalls = settings.MinimumCalls }, cancellationToken).ConfigureAwait(false);
        var alerts = new List<PromptDriftAlert>();
        foreach (var finding in findings)
        {
            var key = finding.Version + "|" + finding.Metric;
            if (finding.Verdict != DriftVerdict.Drift)
            {
                if (finding.Verdict == DriftVerdict.Stable)
                {
                    _drifting.Remove(key); // stable again: a new drift alerts again
                }

                continue;
            }

            if (!_drifting.Add(key))
            {
                continue; // still drifting: alerted already
            }

            var at = finding.Version.LastIndexOf('@');
            alerts.Add(new PromptDriftAlert
            {
                PromptId = finding.Version[..at],
                PromptVersion = finding.Version[(at + 1)..],
                Metric = finding.Metric,
                ReferenceValue = finding.Reference,
                RecentValue = finding.Recent,
                Z = finding.Z,
                ReferenceCount = finding.ReferenceCount,
                RecentCount = finding.RecentCount,
                Reason = finding.Text,
                Timestamp = now,
            });
        }

        foreach (var alert in alerts)
        {
            LogDrift(_logger, alert.PromptId, alert.PromptVersion, alert.Reason);
            await publisher.PublishAsync(alert, cancellationToken).ConfigureAwait(false);
        }

        return alerts;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var settings = options.CurrentValue.Drift;
            try
            {
                await Task.Delay(settings.CheckInterval, timeProvider, stoppingToken).ConfigureAwait(false);
                if (settings.Enabled)
                {
                    await CheckAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogCheckFailed(_logger, ex, settings.CheckInterval.TotalMinutes);
            }
        }
    }

    [LoggerMessage(EventId = 1050, Level = LogLevel.Warning, Message = "Prompt {PromptId} {Version} drifted: {Finding}. Compare with 'promptops drift --prompt {PromptId}'.")]
    private static partial void LogDrift(ILogger logger, string promptId, string version, string finding);

    [LoggerMessage(EventId = 1051, Level = LogLevel.Warning, Message = "The drift check failed; it runs again in {Minutes} minutes.")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, double minutes);
}
