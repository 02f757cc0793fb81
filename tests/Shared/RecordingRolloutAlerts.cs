namespace PromptOps.Tests.TestSupport;

/// <summary>Keeps every quality alert it is given: rollbacks in <see cref="Received"/>, drift in <see cref="Drift"/>.</summary>
internal sealed class RecordingRolloutAlerts : IQualityAlertHandler
{
    private readonly List<PromptRolloutAlert> _alerts = [];

    public IReadOnlyList<PromptRolloutAlert> Received
    {
        get
        {
            lock (_alerts)
            {
                return [.. _alerts];
            }
        }
    }

    /// <summary>Gets the drift alerts received.</summary>
    public List<PromptDriftAlert> Drift { get; } = [];

    public ValueTask HandleAsync(PromptQualityAlert alert, CancellationToken cancellationToken)
    {
        lock (_alerts)
        {
            switch (alert)
            {
                case PromptRolloutAlert rollback:
                    _alerts.Add(rollback);
                    break;
                case PromptDriftAlert drift:
                    Drift.Add(drift);
                    break;
            }
        }

        return ValueTask.CompletedTask;
    }
}
