namespace PromptOps;

/// <summary>Thrown when the skill graph is invalid (every problem is in <see cref="Diagnostics"/>) or a skill cannot be resolved.</summary>
public sealed class SkillGraphException : PromptOpsException
{
    /// <summary>Initializes a new instance of the <see cref="SkillGraphException"/> class.</summary>
    /// <param name="diagnostics">The problems found.</param>
    public SkillGraphException(IReadOnlyList<PromptDiagnostic> diagnostics)
        : base(BuildMessage(diagnostics))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>Gets the problems found, each with its file, line and column where there is one.</summary>
    public IReadOnlyList<PromptDiagnostic> Diagnostics { get; }

    private static string BuildMessage(IReadOnlyList<PromptDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        return diagnostics.Count == 1 && diagnostics[0].FilePath is null
            ? diagnostics[0].Message
            : PromptDiagnostic.FormatList($"The skill graph has {diagnostics.Count(d => d.IsError)} error(s). Fix them (run 'promptops skills check' to see the same list):", diagnostics);
    }
}
