using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Primitives;

namespace PromptOps;

/// <summary>
/// Serves prompt versions to the application: the version active for this environment when asked by id, or an exact
/// version when asked for one.
/// </summary>
/// <remarks>
/// Implementations are thread-safe. Every call sees the latest loaded library, so an edit to a watched directory
/// (or, with labels, a configuration change) applies to the next call without a restart.
/// </remarks>
public interface IPromptCatalog
{
    /// <summary>Gets the version served for a prompt id: the highest published version (or draft, with <see cref="PromptOpsOptions.AllowDrafts"/>).</summary>
    /// <param name="id">The prompt id, for example <c>customer-support</c>.</param>
    /// <returns>The compiled prompt.</returns>
    /// <exception cref="PromptNotFoundException">No prompt has this id, or it has no version that may be served.</exception>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "Get is the documented contract name, as in IConfiguration-style APIs.")]
    PromptTemplate Get(string id);

    /// <summary>Gets one exact version of a prompt, whatever its status (drafts included).</summary>
    /// <param name="id">The prompt id.</param>
    /// <param name="version">The exact SemVer version, for example <c>2.1.0</c>.</param>
    /// <returns>The compiled prompt.</returns>
    /// <exception cref="PromptNotFoundException">The prompt or the version does not exist.</exception>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "Get is the documented contract name, as in IConfiguration-style APIs.")]
    PromptTemplate Get(string id, string version);

    /// <summary>Tries to get the version served for a prompt id.</summary>
    /// <param name="id">The prompt id.</param>
    /// <param name="prompt">The compiled prompt when found.</param>
    /// <returns><see langword="true"/> when a version may be served.</returns>
    bool TryGet(string id, [NotNullWhen(true)] out PromptTemplate? prompt);

    /// <summary>Tries to get one exact version of a prompt.</summary>
    /// <param name="id">The prompt id.</param>
    /// <param name="version">The exact SemVer version.</param>
    /// <param name="prompt">The compiled prompt when found.</param>
    /// <returns><see langword="true"/> when the version exists.</returns>
    bool TryGet(string id, string version, [NotNullWhen(true)] out PromptTemplate? prompt);

    /// <summary>Lists every loaded version of every prompt, ordered by id and version, drafts and deprecated included.</summary>
    /// <returns>The prompt versions.</returns>
    IReadOnlyList<PromptTemplate> List();

    /// <summary>Gets the diagnostics of the latest load or reload (warnings, and errors of edits that were not applied).</summary>
    IReadOnlyList<PromptDiagnostic> Diagnostics { get; }

    /// <summary>Gets a change token that fires after the next reload, applied or rejected.</summary>
    /// <returns>A token; take a new one after it fires.</returns>
    IChangeToken GetReloadToken();
}
