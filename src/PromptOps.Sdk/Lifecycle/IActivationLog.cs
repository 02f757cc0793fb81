namespace PromptOps;

/// <summary>
/// An audit trail of label changes: which version each environment served, since when, and who switched it and why.
/// </summary>
/// <remarks>
/// <c>AddPromptOps()</c> registers an <see cref="InMemoryActivationLog"/>, which forgets on restart; the prompt catalog
/// records every switch it sees when configuration changes a label. For an audit trail that outlives the process, register
/// a durable log: a JSON-lines file (the CLI's, when no store is given), or the SQLite store of <c>PromptOps.Sdk.Sqlite</c>.
/// Implementations must be safe for concurrent use.
/// </remarks>
public interface IActivationLog
{
    /// <summary>Appends one activation.</summary>
    /// <param name="activation">The activation.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the activation is stored.</returns>
    ValueTask RecordAsync(PromptActivation activation, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends one entry only if nobody changed its prompt's state in its environment since the caller read it: when the newest
    /// entry of that prompt and environment that is not <see cref="PromptActivationKind.Observed"/> has the id
    /// <paramref name="expectedLatestId"/>. The check and the append are one atomic step, across processes, so that of several
    /// instances deciding the same rollout step or approving the same request exactly one succeeds.
    /// </summary>
    /// <param name="activation">The entry.</param>
    /// <param name="expectedLatestId">The id of the newest such entry the caller saw, or <see langword="null"/> when it saw none.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when the entry was appended; <see langword="false"/> when another entry came first.</returns>
    ValueTask<bool> TryRecordAsync(PromptActivation activation, string? expectedLatestId, CancellationToken cancellationToken = default);

    /// <summary>Reads the recorded activations, oldest first (in the order they were appended).</summary>
    /// <param name="promptId">Only this prompt, or <see langword="null"/> for all.</param>
    /// <param name="environment">Only this environment (case-insensitive), or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The matching activations, oldest first.</returns>
    ValueTask<IReadOnlyList<PromptActivation>> GetHistoryAsync(string? promptId = null, string? environment = null, CancellationToken cancellationToken = default);
}
