namespace PromptOps;

/// <summary>
/// Identifies which prompt version produced a rendered prompt. It travels with the chat options so that the
/// middleware can record it with the call.
/// </summary>
public sealed class PromptReference
{
    /// <summary>Initializes a new instance of the <see cref="PromptReference"/> class.</summary>
    /// <param name="id">The prompt id.</param>
    /// <param name="version">The prompt version.</param>
    /// <param name="feature">The attribution key for cost and budgets.</param>
    /// <param name="variant">The A/B variant name, if the version was chosen by a weighted label.</param>
    /// <param name="label">The environment label that chose the version, if any.</param>
    public PromptReference(string id, string version, string feature, string? variant = null, string? label = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentException.ThrowIfNullOrWhiteSpace(feature);
        Id = id;
        Version = version;
        Feature = feature;
        Variant = variant;
        Label = label;
    }

    /// <summary>Gets the prompt id.</summary>
    public string Id { get; }

    /// <summary>Gets the prompt version.</summary>
    public string Version { get; }

    /// <summary>Gets the attribution key for cost and budgets.</summary>
    public string Feature { get; }

    /// <summary>Gets the A/B variant name, or <see langword="null"/>.</summary>
    public string? Variant { get; }

    /// <summary>Gets the environment label that chose this version, or <see langword="null"/>.</summary>
    public string? Label { get; }

    /// <summary>Returns <c>id@version</c>.</summary>
    /// <returns>The reference as text.</returns>
    public override string ToString() => $"{Id}@{Version}";

    /// <summary>
    /// Splits a written reference, <c>id</c> or <c>id@version</c>, as the CLI and the testing package accept it.
    /// <paramref name="error"/> says how to write it when the version is not SemVer.
    /// </summary>
    internal static bool TrySplit(string reference, out string id, out string? version, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        id = (at < 0 ? reference : reference[..at]).Trim();
        version = at < 0 ? null : reference[(at + 1)..].Trim();
        error = version is null || PromptVersion.TryParse(version, out _)
            ? null
            : $"'{version}' in '{reference}' is not a SemVer version. Write the prompt as id@major.minor.patch, for example customer-support@2.1.0.";
        return error is null;
    }
}
