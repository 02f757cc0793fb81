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
        var command = new Command("lint", "Load and validate every prompt and partial; print diagnostics in MSBuild format. Exit 1 on errors.")
        {
            directoryArgument,
            directoryOption,
            strictOption,
        };

        command.SetAction(parseResult =>
        {
            var directory = PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryArgument) ?? parseResult.GetValue(directoryOption)!);
            var strict = parseResult.GetValue(strictOption);
            var library = PromptLibrary.LoadDirectory(directory);
            foreach (var diagnostic in library.Diagnostics)
            {
                (diagnostic.IsError ? error : output).WriteLine(diagnostic);
            }

            var errors = library.Diagnostics.Count(d => d.IsError);
            var warnings = library.Diagnostics.Count - errors;
            var failed = errors > 0 || (strict && warnings > 0);
            output.WriteLine($"{(failed ? "FAILED" : "OK")}: {library.Prompts.Count} prompt version(s) of {library.Ids.Count()} prompt(s) valid; {errors} error(s), {warnings} warning(s).");
            return failed ? ExitCodes.Failed : ExitCodes.Success;
        });
        return command;
    }
}
