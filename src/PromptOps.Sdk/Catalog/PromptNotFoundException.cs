namespace PromptOps;

/// <summary>Thrown when a prompt id, or a version of it, cannot be served.</summary>
public sealed class PromptNotFoundException : PromptOpsException
{
    /// <summary>Initializes a new instance of the <see cref="PromptNotFoundException"/> class.</summary>
    /// <param name="promptId">The id that was asked for.</param>
    /// <param name="version">The version that was asked for, or <see langword="null"/> when none was.</param>
    /// <param name="message">A complete sentence saying what exists and how to fix the request.</param>
    public PromptNotFoundException(string promptId, string? version, string message)
        : base(message)
    {
        PromptId = promptId;
        Version = version;
    }

    /// <summary>Gets the prompt id that was asked for.</summary>
    public string PromptId { get; }

    /// <summary>Gets the version that was asked for, or <see langword="null"/>.</summary>
    public string? Version { get; }

    internal static PromptNotFoundException For(PromptLibrary library, string id, string? version)
    {
        var versions = library.GetVersions(id);
        if (versions.Count == 0)
        {
            var known = string.Join(", ", library.Ids.Select(i => $"'{i}'"));
            var suggestion = KeySuggester.Nearest(id, library.Ids);
            var hint = suggestion is not null ? $" Did you mean '{suggestion}'?" : string.Empty;
            return new PromptNotFoundException(id, version,
                $"The prompt '{id}' does not exist.{hint} Known prompts: {(known.Length > 0 ? known : "none")}. Check the id, or add the file prompts/{id}/<version>.yaml.");
        }

        var listed = string.Join(", ", versions.Select(v => $"{v.Version} ({v.Status.ToString().ToLowerInvariant()})"));
        return version is null
            ? new PromptNotFoundException(id, null,
                $"The prompt '{id}' has no published version to serve (versions: {listed}). Publish a version, ask for an exact version, or set PromptOps:AllowDrafts to serve drafts.")
            : new PromptNotFoundException(id, version,
                $"The prompt '{id}' has no version '{version}'. Available versions: {listed}.");
    }
}
