namespace PromptOps;

/// <summary>
/// Every check of a prompt library folder, as <c>promptops lint</c> and the build-time check run them: the prompt files,
/// partials, labels and lock file, and <c>skills.yaml</c> when the library has one.
/// </summary>
internal static class PromptLibraryLint
{
    /// <summary>Loads the library in a folder and returns it with every diagnostic of the folder.</summary>
    public static (PromptLibrary Library, List<PromptDiagnostic> Diagnostics) Run(string directory)
    {
        var library = PromptLibrary.LoadDirectory(directory);
        var diagnostics = library.Diagnostics.ToList();
        var skills = Path.Combine(directory, "skills.yaml");
        if (File.Exists(skills))
        {
            diagnostics.AddRange(SkillRegistry.CheckFile(skills).Diagnostics);
        }

        return (library, diagnostics);
    }
}
