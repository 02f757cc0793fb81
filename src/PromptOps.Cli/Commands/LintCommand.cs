using System.CommandLine;

namespace PromptOps.Cli.Commands;

/// <summary><c>promptops lint [dir] [--dir D] [--strict]</c>: validates every file and prints every diagnostic.</summary>
internal static class LintCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var directoryArgument = new Argument<string?>("dir")
        {
            Description = "The prompt library root (same as --dir).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var directoryOption = PromptOpsCli.DirectoryOption();
        var strictOption = new Option<bool>("--strict") { Description = "Fail (exit 1) on warnings too." };
        var command = new Command("lint", "Load and validate every prompt and partial, and skills.yaml when the library has one; print diagnostics in MSBuild format. Exit 1 on errors.")
        {
            directoryArgument,
            directoryOption,
            strictOption,
        };

        command.SetAction(parseResult =>
        {
            var directory = PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryArgument) ?? parseResult.GetValue(directoryOption)!);
            var strict = parseResult.GetValue(strictOption);
            var (library, diagnostics) = PromptLibraryLint.Run(directory);

            foreach (var diagnostic in diagnostics)
            {
                (diagnostic.IsError ? error : output).WriteLine(diagnostic);
            }

            var errors = diagnostics.Count(d => d.IsError);
            var warnings = diagnostics.Count - errors;
            var failed = errors > 0 || (strict && warnings > 0);
            var verdict = !failed ? "OK"
                : errors > 0 ? $"FAILED: {errors} error(s)"
                : $"FAILED: {warnings} warning(s), which --strict treats as errors";
            output.WriteLine($"{verdict}. {library.Prompts.Count} prompt version(s) of {library.Ids.Count()} prompt(s) valid; {errors} error(s), {warnings} warning(s).");
            return failed ? ExitCodes.Failed : ExitCodes.Success;
        });
        return command;
    }
}
