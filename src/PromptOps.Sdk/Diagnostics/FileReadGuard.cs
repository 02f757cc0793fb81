namespace PromptOps;

/// <summary>Runs the reader of one library file so that whatever it throws becomes an error on that file.</summary>
/// <remarks>
/// The readers report every problem they foresee as a diagnostic; this is the net under them for the ones they do
/// not, so a file PromptOps cannot read fails that file (with its path) instead of start-up, <c>promptops lint</c> or
/// the reload of a watched directory.
/// </remarks>
internal static class FileReadGuard
{
    public static T? Run<T>(PromptSourceFile file, ICollection<PromptDiagnostic> diagnostics, Func<T?> read)
        where T : class
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.YamlSyntax, PromptDiagnosticSeverity.Error,
                $"PromptOps could not read this file ({ex.GetType().Name}: {ex.Message.TrimEnd('.')}). Undo the last edit to the file or simplify it around that edit, and please report the file to PromptOps's maintainers: this is a defect of PromptOps.",
                file.DisplayPath, 1, 1));
            return null;
        }
    }
}
