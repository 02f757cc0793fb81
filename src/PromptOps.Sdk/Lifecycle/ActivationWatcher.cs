using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>
/// Keeps the catalog serving the latest activations of the activation log: reads the log when the host starts, then every
/// <see cref="PromptOpsOptions.ActivationPollInterval"/>, or at once when the log can say that it changed (PostgreSQL's
/// LISTEN/NOTIFY). A log that cannot be read leaves what is served as it is, and is read again at the next interval.
/// </summary>
internal sealed partial class ActivationWatcher(
    IPromptCatalog catalog,
    IActivationLog log,
    IOptionsMonitor<PromptOpsOptions> options,
    TimeProvider timeProvider,
    RolloutConductor? conductor = null,
    ILogger<ActivationWatcher>? logger = null) : BackgroundService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private bool _failing;

    /// <summary>Reads the log now and applies what it says; returns when the catalog serves it.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (catalog is not PromptCatalog served)
        {
            return;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Only the served environment's entries matter to this instance: read no others on every poll.
            var history = await log.GetHistoryAsync(environment: served.ServedEnvironment, cancellationToken: cancellationToken).ConfigureAwait(false);
            served.ApplyActivations(StoreActivations.From(history));
            if (conductor is not null && await MoveRolloutsAsync(conductor, served.ServedEnvironment, history, cancellationToken).ConfigureAwait(false))
            {
                history = await log.GetHistoryAsync(environment: served.ServedEnvironment, cancellationToken: cancellationToken).ConfigureAwait(false);
                served.ApplyActivations(StoreActivations.From(history));
            }

            if (_failing)
            {
                _failing = false;
                LogRecovered(_logger);
            }
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Lets the conductor decide due rollout steps; a failure there never stops what is served from being refreshed.</summary>
    private async Task<bool> MoveRolloutsAsync(RolloutConductor rollouts, string environment, IReadOnlyList<PromptActivation> history, CancellationToken cancellationToken)
    {
        try
        {
            return await rollouts.RunDueStepsAsync(environment, history, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            LogRolloutFailed(_logger, ex, environment, options.CurrentValue.ActivationPollInterval.TotalSeconds);
            return false;
        }
    }

    /// <summary>Serves the log's activations before the host serves anything, so an instance started after an activation never serves what it replaced.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            _failing = true;
            LogReadFailed(_logger, ex, options.CurrentValue.ActivationPollInterval.TotalSeconds);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _refresh.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!first)
                {
                    await RefreshAsync(stoppingToken).ConfigureAwait(false);
                }

                first = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (!_failing)
                {
                    _failing = true;
                    LogReadFailed(_logger, ex, options.CurrentValue.ActivationPollInterval.TotalSeconds);
                }
            }

            try
            {
                var interval = options.CurrentValue.ActivationPollInterval;
                if (log is IActivationChangeFeed feed)
                {
                    await feed.WaitForChangeAsync(interval, stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(interval, timeProvider, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning, Message = "The activation log could not be read; every prompt keeps serving what it served, and the log is read again every {IntervalSeconds} s.")]
    private static partial void LogReadFailed(ILogger logger, Exception exception, double intervalSeconds);

    [LoggerMessage(EventId = 1032, Level = LogLevel.Warning, Message = "The rollouts of {Environment} could not be moved on (reading calls or recording a step failed); they stay at their current step and are tried again in {IntervalSeconds} s.")]
    private static partial void LogRolloutFailed(ILogger logger, Exception exception, string environment, double intervalSeconds);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Information, Message = "The activation log can be read again; the latest activations are served.")]
    private static partial void LogRecovered(ILogger logger);
}

/// <summary>An activation log that can say when it changed, so instances need not wait for the next poll (PostgreSQL's LISTEN/NOTIFY).</summary>
internal interface IActivationChangeFeed
{
    /// <summary>Returns when the log may have changed, or after <paramref name="timeout"/>, whichever is first.</summary>
    Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken);
}
