using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PromptOps;

/// <summary>
/// Moves the rollouts of the environment this instance serves: when a step's interval has passed, asks the guard about the
/// calls recorded since the rollout started and records the next step, or the rollback. Every instance does this after each
/// read of the activation log; no controller process runs. The store decides which instance's decision counts: each appends
/// its entry with <see cref="IActivationLog.TryRecordAsync"/> against the step it evaluated, so exactly one step or rollback
/// is recorded per step, and only the instance that recorded a rollback raises its alert.
/// </summary>
internal sealed partial class RolloutConductor(
    IActivationLog log,
    ICallStore? calls,
    QualityAlertPublisher alerts,
    TimeProvider timeProvider,
    ILogger<RolloutConductor>? logger = null)
{
    /// <summary>The most calls of each version read for one decision: the most recent ones.</summary>
    internal const int SampleLimit = 20_000;

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    /// <summary>How long a step that waits for calls waits before the guard reads the store again (at most the plan's interval).</summary>
    internal static readonly TimeSpan WaitingRecheck = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, string> _lastWaiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _recheckAt = new(StringComparer.Ordinal);

    /// <summary>Decides every step that is due in <paramref name="environment"/>; returns whether anything was recorded.</summary>
    public async Task<bool> RunDueStepsAsync(string environment, IReadOnlyList<PromptActivation> history, CancellationToken cancellationToken)
    {
        var recorded = false;
        var now = timeProvider.GetUtcNow();
        foreach (var rollout in RolloutHistory.Read(history).Where(r => r.State == PromptRolloutState.Running && r.NextStepAt <= now))
        {
            lock (_recheckAt)
            {
                // A step waiting for calls is not re-read on every poll: each read fetches up to two samples of calls.
                if (_recheckAt.TryGetValue(rollout.Id + "|" + rollout.Share, out var recheck) && now < recheck)
                {
                    continue;
                }
            }

            recorded |= await DecideAsync(rollout, history, now, cancellationToken).ConfigureAwait(false);
        }

        return recorded;
    }

    private async Task<bool> DecideAsync(PromptRolloutStatus rollout, IReadOnlyList<PromptActivation> history, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!RolloutGuard.TryParse(rollout.Plan.Guard, out var guard, out var guardError))
        {
            // Written by a newer version of PromptOps, or edited by hand: never guess, roll back.
            return await RollBackAsync(rollout, history, $"the guard '{rollout.Plan.Guard}' cannot be read ({guardError})", now, cancellationToken).ConfigureAwait(false);
        }

        GuardVerdict verdict;
        if (guard.Limits.Count == 0)
        {
            verdict = new GuardVerdict(GuardOutcome.Passed, "no guard", []);
        }
        else if (calls is null)
        {
            verdict = new GuardVerdict(GuardOutcome.Waiting, "no call store is registered (AddSqliteStore or AddPostgreSqlStore), so the guard has no calls to compare", []);
        }
        else
        {
            var oldCalls = await SampleAsync(rollout, rollout.FromVersion, cancellationToken).ConfigureAwait(false);
            var newCalls = await SampleAsync(rollout, rollout.ToVersion, cancellationToken).ConfigureAwait(false);
            verdict = guard.Evaluate(rollout.FromVersion, oldCalls, rollout.ToVersion, newCalls, rollout.Plan.MinimumCalls);
        }

        switch (verdict.Outcome)
        {
            case GuardOutcome.Waiting:
                lock (_recheckAt)
                {
                    _recheckAt[rollout.Id + "|" + rollout.Share] = now + (rollout.Plan.Interval < WaitingRecheck ? rollout.Plan.Interval : WaitingRecheck);
                }

                lock (_lastWaiting)
                {
                    if (_lastWaiting.TryGetValue(rollout.Id, out var said) && said == verdict.Summary)
                    {
                        return false;
                    }

                    _lastWaiting[rollout.Id] = verdict.Summary;
                }

                LogWaiting(_logger, rollout.Id, rollout.PromptId, rollout.Environment, rollout.Share, verdict.Summary);
                return false;
            case GuardOutcome.Breached:
                return await RollBackAsync(rollout, history, verdict.Summary, now, cancellationToken).ConfigureAwait(false);
            default:
                return await StepAsync(rollout, history, verdict.Summary, now, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<PromptCallRecord>> SampleAsync(PromptRolloutStatus rollout, string version, CancellationToken cancellationToken) =>
        await calls!.QueryAsync(
            new CallQuery { PromptId = rollout.PromptId, PromptVersion = version, Label = rollout.Environment, From = rollout.StartedAt, Limit = SampleLimit },
            cancellationToken).ConfigureAwait(false);

    private async Task<bool> StepAsync(PromptRolloutStatus rollout, IReadOnlyList<PromptActivation> history, string guardSummary, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var steps = rollout.Plan.Steps;
        var next = steps.FirstOrDefault(s => s > rollout.Share, 100);
        var index = steps.ToList().IndexOf(next) + 1;
        // Every step keeps the salt of the first, so the users given the new version keep it as the share grows.
        var start = history.First(a => a.Id == rollout.Id);
        var salt = LabelsFileParser.TryParseText(start.ToVersion, out _, out var startSalt, out _) && startSalt is not null ? startSalt : rollout.Id;
        var entry = new PromptActivation
        {
            PromptId = rollout.PromptId,
            Environment = rollout.Environment,
            FromVersion = RolloutHistory.StepLabel(rollout.FromVersion, rollout.ToVersion, rollout.Share, salt),
            ToVersion = RolloutHistory.StepLabel(rollout.FromVersion, rollout.ToVersion, next, salt),
            ActivatedBy = RolloutHistory.RolloutActor,
            Timestamp = now,
            Reason = $"rollout {rollout.Id} step {index}/{steps.Count}: {next}% on {rollout.ToVersion}; guard passed: {guardSummary}",
            Kind = PromptActivationKind.Activated,
            RelatesTo = rollout.Id,
        };
        if (!await log.TryRecordAsync(entry, ActivationFilter.LatestDecisionId(history, rollout.PromptId, rollout.Environment), cancellationToken).ConfigureAwait(false))
        {
            return false; // another instance decided this step first
        }

        LogStepped(_logger, rollout.Id, rollout.PromptId, rollout.Environment, next, rollout.ToVersion, guardSummary);
        return true;
    }

    private async Task<bool> RollBackAsync(PromptRolloutStatus rollout, IReadOnlyList<PromptActivation> history, string breach, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entry = new PromptActivation
        {
            PromptId = rollout.PromptId,
            Environment = rollout.Environment,
            FromVersion = history.Last(a => a.Kind == PromptActivationKind.Activated && a.PromptId == rollout.PromptId).ToVersion,
            ToVersion = rollout.FromVersion,
            ActivatedBy = RolloutHistory.GuardActor,
            Timestamp = now,
            Reason = $"rollout {rollout.Id} rolled back at {rollout.Share}%: {breach}",
            Kind = PromptActivationKind.Activated,
            RelatesTo = rollout.Id,
        };
        if (!await log.TryRecordAsync(entry, ActivationFilter.LatestDecisionId(history, rollout.PromptId, rollout.Environment), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        LogRolledBack(_logger, rollout.Id, rollout.PromptId, rollout.Environment, rollout.ToVersion, rollout.FromVersion, rollout.Share, breach);
        var alert = new PromptRolloutAlert
        {
            RolloutId = rollout.Id,
            PromptId = rollout.PromptId,
            Environment = rollout.Environment,
            FromVersion = rollout.FromVersion,
            ToVersion = rollout.ToVersion,
            Share = rollout.Share,
            Reason = breach,
            ActivationId = entry.Id,
            Timestamp = now,
        };
        await alerts.PublishAsync(alert, cancellationToken).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(EventId = 1040, Level = LogLevel.Information, Message = "Rollout {RolloutId} of {PromptId} in {Environment} is at {Share}% and waits before its next step: {Why}.")]
    private static partial void LogWaiting(ILogger logger, string rolloutId, string promptId, string environment, int share, string why);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "Rollout {RolloutId} of {PromptId} in {Environment}: {Share}% of users now get {Version}. Guard passed: {Guard}.")]
    private static partial void LogStepped(ILogger logger, string rolloutId, string promptId, string environment, int share, string version, string guard);

    [LoggerMessage(EventId = 1042, Level = LogLevel.Error, Message = "Rollout {RolloutId} of {PromptId} in {Environment} was rolled back by its guard: everyone gets {FromVersion} again instead of {ToVersion} (it had {Share}% of users). Breach: {Breach}.")]
    private static partial void LogRolledBack(ILogger logger, string rolloutId, string promptId, string environment, string toVersion, string fromVersion, int share, string breach);

}
