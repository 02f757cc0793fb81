namespace PromptOps;

/// <summary>Reads, validates and compiles the files of one or more sources into a <see cref="PromptLibrary"/>.</summary>
/// <remarks>
/// Never throws for the content of a file: every problem, including a failure of PromptOps itself on some input it
/// did not foresee, is a diagnostic naming the file, so a bad save can neither stop start-up with a stack trace nor
/// kill an application that watches its prompt directory.
/// </remarks>
internal static class PromptLibraryLoader
{
    /// <summary>Files at the library root that belong to other capabilities (labels, lock file, skills).</summary>
    private static readonly HashSet<string> s_reservedRootFiles = new(StringComparer.Ordinal) { LabelsFileParser.FileName, PromptLock.FileName, "skills.yaml" };

    public static PromptLibrary Load(IEnumerable<PromptFileSet> sets, PromptRenderLimits limits)
    {
        var diagnostics = new List<PromptDiagnostic>();
        var templates = new List<PromptTemplate>();
        var labels = new List<PromptLabel>();
        var rejected = new List<PromptTemplate>();
        limits = limits.Clone(); // later changes to the options object must not reach compiled templates
        foreach (var set in sets)
        {
            diagnostics.AddRange(set.Problems);
            var partials = PartialLibrary.Load(set.Files.Where(IsPartial), diagnostics);
            var compiled = new List<(PromptTemplate Template, PromptSourceFile File)>();
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
                    if (FileReadGuard.Run(file, diagnostics, () => Compile(file, partials, limits, diagnostics)) is { } template)
                    {
                        templates.Add(template);
                        compiled.Add((template, file));
                    }
                }
                else if (!file.RelativePath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                {
                    Warn(diagnostics, file, "The file is not part of the prompt layout and is not loaded. Prompt versions live at '<id>/<version>.yaml' and partials at '_partials/<name>.liquid'.");
                }
            }

            rejected.AddRange(CheckLock(set, compiled, diagnostics));

            ReadLabels(set, labels, diagnostics);
        }

        RejectDuplicates(templates, diagnostics);
        var versions = templates.GroupBy(t => t.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (IReadOnlyList<PromptTemplate>)[.. g], StringComparer.Ordinal);
        foreach (var label in labels)
        {
            LabelValidation.Check(label, id => versions.GetValueOrDefault(id) ?? [], versions.Keys, LabelsFileParser.FileName, diagnostics);
        }

        // A version that contradicts the lock is reported once (not again by the labels that name it) and never served:
        // a live reload keeps serving the locked content instead.
        templates.RemoveAll(rejected.Contains);

        return new PromptLibrary(templates, Deduplicate(diagnostics), labels);
    }

    /// <summary>Checks every published (and deprecated) version of one source against the source's <c>prompts.lock.json</c>.</summary>
    /// <returns>The versions that contradict the lock.</returns>
    private static List<PromptTemplate> CheckLock(PromptFileSet set, List<(PromptTemplate Template, PromptSourceFile File)> compiled, List<PromptDiagnostic> diagnostics)
    {
        var rejected = new List<PromptTemplate>();
        var locked = compiled.Where(c => c.Template.Status != PromptStatus.Draft).ToList();
        var lockFile = set.Files.FirstOrDefault(f => f.RelativePath == PromptLock.FileName);
        if (lockFile is null)
        {
            if (locked.Count > 0)
            {
                var first = locked[0].File;
                var root = first.DisplayPath[..^first.RelativePath.Length];
                diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.LockEntryMissing, PromptDiagnosticSeverity.Warning,
                    $"The library has {locked.Count} published version(s) but no {PromptLock.FileName}, so an edit to a published version would go unnoticed. Run {(set.Name.StartsWith("embedded:", StringComparison.Ordinal) ? "'promptops lock --dir <the project's prompts folder>'" : $"'promptops lock --dir {root.TrimEnd('/')}'")} and commit the file.",
                    root + PromptLock.FileName));
            }

            return rejected;
        }

        if (FileReadGuard.Run(lockFile, diagnostics, () => PromptLock.Parse(lockFile.Content, lockFile.DisplayPath, diagnostics)) is not { } promptLock)
        {
            return rejected;
        }

        foreach (var (template, file) in compiled)
        {
            var version = template.Version.ToString();
            var isLocked = promptLock.TryGet(template.Id, version, out var entry);
            if (template.Status == PromptStatus.Draft)
            {
                if (isLocked)
                {
                    rejected.Add(template);
                    diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.LockMismatch, PromptDiagnosticSeverity.Error,
                        $"Prompt '{template.Id}' version {version} is marked draft, but it was published ({lockFile.DisplayPath}({entry.Line},{entry.Column})). Published versions are immutable: restore 'status: published' (or 'deprecated'), and make changes in a new draft version.",
                        file.DisplayPath, 1, 1));
                }
            }
            else if (!isLocked)
            {
                diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.LockEntryMissing, PromptDiagnosticSeverity.Warning,
                    $"Prompt '{template.Id}' version {version} is {template.Status.ToString().ToLowerInvariant()} but has no entry in {PromptLock.FileName}, so edits to it would go unnoticed. Run 'promptops lock' (or publish drafts with 'promptops publish {template.Id}').",
                    file.DisplayPath, 1, 1));
            }
            else if (!string.Equals(PromptLock.ComputeHash(file.Content), entry.Hash, StringComparison.Ordinal))
            {
                rejected.Add(template);
                diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.LockMismatch, PromptDiagnosticSeverity.Error,
                    $"Prompt '{template.Id}' version {version} was changed after it was published: its content no longer matches {lockFile.DisplayPath}({entry.Line},{entry.Column}). Published versions are immutable: publish a new version instead (undo this edit, copy the file to a new version with 'status: draft', then run 'promptops publish {template.Id}').",
                    file.DisplayPath, 1, 1));
            }
        }

        var present = set.Files.Select(f => f.RelativePath).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, version, entry) in promptLock.Entries.Where(e => !present.Contains($"{e.Id}/{e.Version}.yaml")))
        {
            diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.LockEntryStale, PromptDiagnosticSeverity.Warning,
                $"The lock has an entry for prompt '{id}' version {version}, but there is no file {id}/{version}.yaml. Published versions should be deprecated, not deleted; if the deletion is intended, run 'promptops lock' to drop the entry.",
                lockFile.DisplayPath, entry.Line, entry.Column));
        }

        return rejected;
    }

    private static void ReadLabels(PromptFileSet set, List<PromptLabel> labels, List<PromptDiagnostic> diagnostics)
    {
        if (set.Files.FirstOrDefault(f => f.RelativePath == LabelsFileParser.FileName) is not { } file)
        {
            return;
        }

        foreach (var label in FileReadGuard.Run(file, diagnostics, () => LabelsFileParser.Parse(file.Content, file.DisplayPath, diagnostics)) ?? [])
        {
            if (labels.FirstOrDefault(l => l.PromptId == label.PromptId && string.Equals(l.Environment, label.Environment, StringComparison.OrdinalIgnoreCase)) is { } other)
            {
                diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.InvalidLabels, PromptDiagnosticSeverity.Error,
                    $"The label {label.Environment}/{label.PromptId} is also set in {other.Source}. Keep one of them.", label.FilePath, label.Line, label.Column));
                continue;
            }

            labels.Add(label);
        }
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

    /// <summary>
    /// Parses and compiles one prompt file; its templates are checked even when a value in it is wrong, so one run reports
    /// every problem of the file, but only a file without errors is loaded.
    /// </summary>
    private static PromptTemplate? Compile(PromptSourceFile file, PartialLibrary partials, PromptRenderLimits limits, List<PromptDiagnostic> diagnostics)
    {
        if (PromptFileParser.Parse(file, diagnostics, out var valid) is not { } definition)
        {
            return null;
        }

        var template = PromptTemplateCompiler.Compile(definition, partials, limits, diagnostics);
        return valid ? template : null;
    }
}
