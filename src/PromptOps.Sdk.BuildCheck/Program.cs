using PromptOps;
using PromptOps.BuildCheck;

// dotnet exec PromptOps.Sdk.BuildCheck.dll <library folder> [--warnaserror true|false] [--warnaserror-codes a;b]
//     [--warnnotaserror-codes a;b] [--nowarn a;b]
// Validates the prompt library like 'promptops lint' and start-up, and prints each problem in the MSBuild format
// (file(line,col): error|warning POxxxx: message), so the build reports it at the line. Exit 1 when any is an error.
try
{
    var settings = BuildCheckSettings.Parse(args);
    if (!Directory.Exists(settings.Directory))
    {
        Console.WriteLine($"{settings.Directory}: error PO1607: The prompt library folder does not exist. Set PromptOpsPromptsDirectory to the folder that holds the prompt files, or PromptOpsCheckPrompts to false.");
        return 1;
    }

    var (_, diagnostics) = PromptLibraryLint.Run(settings.Directory);

    var errors = 0;
    foreach (var diagnostic in diagnostics)
    {
        if (settings.SeverityOf(diagnostic) is not { } severity)
        {
            continue;
        }

        errors += severity == PromptDiagnosticSeverity.Error ? 1 : 0;
        Console.WriteLine(new PromptDiagnostic(diagnostic.Code, severity, diagnostic.Message, diagnostic.FilePath, diagnostic.Line, diagnostic.Column));
    }

    return errors > 0 ? 1 : 0;
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    // Never a stack trace in a user's build: one error line that says what happened.
    Console.WriteLine($"PromptOps: error PO1698: The prompt library check failed ({ex.GetType().Name}: {ex.Message}). Set PromptOpsCheckPrompts to false to build without it, and please report this.");
    return 1;
}
