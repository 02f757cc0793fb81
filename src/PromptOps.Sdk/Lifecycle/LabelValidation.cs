namespace PromptOps;

/// <summary>Checks that a label serves versions that exist and are published, for <c>labels.yaml</c> and for configuration alike.</summary>
internal static class LabelValidation
{
    /// <summary>Adds a diagnostic for every variant of <paramref name="label"/> that cannot be served.</summary>
    /// <param name="label">The label.</param>
    /// <param name="versionsOf">Every loaded version of a prompt id.</param>
    /// <param name="ids">Every loaded prompt id, for "did you mean" hints.</param>
    /// <param name="where">Where the label is set, in words (<c>labels.yaml</c> or a configuration key).</param>
    /// <param name="diagnostics">Where problems go; they carry the label's file position when it has one.</param>
    public static void Check(PromptLabel label, Func<string, IReadOnlyList<PromptTemplate>> versionsOf, IEnumerable<string> ids, string where, List<PromptDiagnostic> diagnostics)
    {
        var filePath = label.FilePath;
        var versions = versionsOf(label.PromptId);
        if (versions.Count == 0)
        {
            var suggestion = KeySuggester.Nearest(label.PromptId, ids);
            diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.LabelUnknownPrompt, PromptDiagnosticSeverity.Error,
                $"The label {label.Environment}/{label.PromptId} ({where}) names the prompt '{label.PromptId}', which does not exist.{(suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?")} Fix the id or remove the label.",
                filePath, label.Line, label.Column));
            return;
        }

        var published = string.Join(", ", versions.Where(v => v.Status == PromptStatus.Published).Select(v => v.Version.ToString()));
        foreach (var variant in label.Variants)
        {
            var served = versions.FirstOrDefault(v => v.Version.ToString() == variant.Version);
            if (served is null)
            {
                diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.LabelUnknownVersion, PromptDiagnosticSeverity.Error,
                    $"The label {label.Environment}/{label.PromptId} ({where}) serves version {variant.Version}, which does not exist. Published versions: {(published.Length > 0 ? published : "none")}.",
                    filePath, label.Line, label.Column));
            }
            else if (served.Status == PromptStatus.Draft)
            {
                diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.LabelUnknownVersion, PromptDiagnosticSeverity.Error,
                    $"The label {label.Environment}/{label.PromptId} ({where}) serves version {variant.Version}, which is a draft. Labels serve published versions only: run 'promptops publish {label.PromptId}' first, or label a published version ({(published.Length > 0 ? published : "none yet")}).",
                    filePath, label.Line, label.Column));
            }
            else if (served.Status == PromptStatus.Deprecated && variant.Weight > 0)
            {
                diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.LabelDeprecatedVersion, PromptDiagnosticSeverity.Warning,
                    $"The label {label.Environment}/{label.PromptId} ({where}) serves version {variant.Version}, which is deprecated. That is fine for an emergency rollback; move the label to a published version ({(published.Length > 0 ? published : "none")}) soon.",
                    filePath, label.Line, label.Column));
            }
        }
    }
}
