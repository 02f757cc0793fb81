namespace PromptOps.Tests.TestSupport;

/// <summary>Keeps every rollback alert it is given.</summary>
internal sealed class RecordingRolloutAlerts : IRolloutAlertHandler
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

    public ValueTask HandleAsync(PromptRolloutAlert alert, CancellationToken cancellationToken)
    {
        lock (_alerts)
        {
            _alerts.Add(alert);
        }

        return ValueTask.CompletedTask;
    }
}
