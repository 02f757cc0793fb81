namespace PromptOps;

/// <summary>The default <see cref="IActivationLog"/>: keeps the most recent activations in memory, lost on restart.</summary>
/// <remarks>Thread-safe. Holds at most <see cref="Capacity"/> entries; the oldest are dropped first.</remarks>
internal sealed class InMemoryActivationLog : IActivationLog
{
    private readonly Lock _gate = new();
    private readonly Queue<PromptActivation> _entries = new();

    /// <summary>Initializes a new instance of the <see cref="InMemoryActivationLog"/> class.</summary>
    /// <param name="capacity">The most entries kept; the default is 10,000.</param>
    public InMemoryActivationLog(int capacity = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    /// <summary>Gets the most entries kept.</summary>
    public int Capacity { get; }

    /// <inheritdoc/>
    public ValueTask RecordAsync(PromptActivation activation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activation);
        lock (_gate)
        {
            if (_entries.Count == Capacity)
            {
                _entries.Dequeue();
            }

            _entries.Enqueue(activation);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<bool> TryRecordAsync(PromptActivation activation, string? expectedLatestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activation);
        lock (_gate)
        {
            if (ActivationFilter.LatestDecisionId(_entries, activation.PromptId, activation.Environment) != expectedLatestId)
            {
                return ValueTask.FromResult(false);
            }

            if (_entries.Count == Capacity)
            {
                _entries.Dequeue();
            }

            _entries.Enqueue(activation);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<PromptActivation>> GetHistoryAsync(string? promptId = null, string? environment = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<PromptActivation>>(ActivationFilter.Apply(_entries, promptId, environment));
        }
    }
}

/// <summary>The history filter every activation log applies.</summary>
internal static class ActivationFilter
{
    public static List<PromptActivation> Apply(IEnumerable<PromptActivation> entries, string? promptId, string? environment) =>
        [.. entries.Where(a => (promptId is null || a.PromptId == promptId) && (environment is null || string.Equals(a.Environment, environment, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>The id of the newest entry of a prompt in an environment that is not merely observed: what <see cref="IActivationLog.TryRecordAsync"/> compares.</summary>
    public static string? LatestDecisionId(IEnumerable<PromptActivation> entries, string promptId, string environment) =>
        entries.LastOrDefault(a => a.Kind != PromptActivationKind.Observed && a.PromptId == promptId && string.Equals(a.Environment, environment, StringComparison.OrdinalIgnoreCase))?.Id;
}
