namespace PromptOps;

/// <summary>Reads, validates and compiles the files of one or more sources into a <see cref="PromptLibrary"/>.</summary>
internal static class PromptLibraryLoader
{
    /// <summary>Files at the library root that belong to other capabilities (labels, lock file, skills).</summary>
    private static readonly HashSet<string> s_reservedRootFiles = new(StringComparer.Ordinal) { "labels.yaml", "prompts.lock.json", "skills.yaml" };

    public static PromptLibrary Load(IEnumerable<PromptFileSet> sets, PromptRenderLimits limits)
    {
        var diagnostics = new List<PromptDiagnostic>();
        var templates = new List<PromptTemplate>();
        limits = limits.Clone(); // later changes to the options object must not reach compiled templates
        foreach (var set in sets)
        {
            diagnostics.AddRange(set.Problems);
            var partials = PartialLibrary.Load(set.Files.Where(IsPartial), diagnostics);
            foreach (var file in set.Files)
            {
                if (IsPartial(file) || s_reservedRootFiles.Contains(file.RelativePath))
                {
                    continue;
                }

                var segments = file.RelativePath.Split('/');
                if (file.RelativePath.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                {
                    Warn(diagnostics, file, "The file ends in '.yml', so it is not loaded. Rename it to '.yaml'.");
                }
                else if (segments.Length == 2 && file.RelativePath.EndsWith(".yaml", StringComparison.Ordinal))
                {
                    var definition = PromptFileParser.Parse(file, diagnostics);
                    if (definition is not null && PromptTemplateCompiler.Compile(definition, partials, limits, diagnostics) is { } template)
                    {
                        templates.Add(template);
                    }
                }
                else if (!file.RelativePath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                {
                    Warn(diagnostics, file, "The file is not part of the prompt layout and is not loaded. Prompt versions live at '<id>/<version>.yaml' and partials at '_partials/<name>.liquid'.");
                }
            }
        }

        RejectDuplicates(templates, diagnostics);
        return new PromptLibrary(templates, Deduplicate(diagnostics));
    }

    private static bool IsPartial(PromptSourceFile file) =>
        file.RelativePath.StartsWith(PartialLibrary.Folder, StringComparison.Ordinal) && file.RelativePath.EndsWith(PartialLibrary.Extension, StringComparison.Ordinal);

    private static void Warn(List<PromptDiagnostic> diagnostics, PromptSourceFile file, string message) =>
        diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.UnexpectedFile, PromptDiagnosticSeverity.Warning, message, file.DisplayPath));

    private static void RejectDuplicates(List<PromptTemplate> templates, List<PromptDiagnostic> diagnostics)
    {
        // Versions of equal SemVer precedence (1.0.0 and 1.0.0+build) cannot both be served: there would be no highest.
        foreach (var group in templates.GroupBy(t => (t.Id, t.Version.Major, t.Version.Minor, t.Version.Patch, t.Version.Prerelease)).Where(g => g.Count() > 1).ToList())
        {
            var first = group.First();
            foreach (var duplicate in group.Skip(1))
            {
                diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.DuplicateVersion, PromptDiagnosticSeverity.Error,
                    $"Prompt '{duplicate.Id}' version {duplicate.Version} is defined twice: here and in '{first.Definition.SourcePath}'. Remove one, or give this one a new version.",
                    duplicate.Definition.SourcePath, 1, 1));
                templates.Remove(duplicate);
            }
        }
    }

    private static List<PromptDiagnostic> Deduplicate(List<PromptDiagnostic> diagnostics) =>
        diagnostics
            .DistinctBy(d => (d.FilePath, d.Line, d.Column, d.Code, d.Message))
            .OrderBy(d => d.FilePath ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(d => d.Line)
            .ThenBy(d => d.Column)
            .ToList();
}
