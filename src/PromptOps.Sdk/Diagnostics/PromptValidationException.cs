namespace PromptOps;

/// <summary>
/// Thrown when prompt files fail validation at load. <see cref="Diagnostics"/> lists every problem found, in every
/// file, not only the first.
/// </summary>
public sealed class PromptValidationException : PromptOpsException
{
    /// <summary>Initializes a new instance of the <see cref="PromptValidationException"/> class.</summary>
    /// <param name="diagnostics">The problems found; at least one should be an error.</param>
    public PromptValidationException(IReadOnlyList<PromptDiagnostic> diagnostics)
        : base(BuildMessage(diagnostics))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>Gets every problem found, errors and warnings, in file order.</summary>
    public IReadOnlyList<PromptDiagnostic> Diagnostics { get; }

    private static string BuildMessage(IReadOnlyList<PromptDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var errors = diagnostics.Count(d => d.IsError);
        return PromptDiagnostic.FormatList($"The prompt library has {errors} error(s). Fix the files listed below (run 'promptops lint' to see the same list):", diagnostics);
    }
}
