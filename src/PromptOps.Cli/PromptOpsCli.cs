using System.CommandLine;
using PromptOps.Cli.Commands;
using PromptOps.Cli.Lifecycle;

namespace PromptOps.Cli;

/// <summary>The <c>promptops</c> command line: builds the verbs and maps parse errors to exit code 2.</summary>
internal static class PromptOpsCli
{
    private const string HelpHint = "Run 'promptops --help' to see the verbs and their options.";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("promptops: lint, render, publish, label and manage versioned YAML prompt libraries (PromptOps.Sdk).");
        root.Subcommands.Add(LintCommand.Create(output, error));
        root.Subcommands.Add(RenderCommand.Create(output, error));
        root.Subcommands.Add(EstimateCommand.Create(output, error));
        root.Subcommands.Add(PriceCommand.Create(output, error));
        root.Subcommands.Add(SkillsCommand.Create(output, error));
        root.Subcommands.Add(LockCommand.Create(output, error));
        root.Subcommands.Add(PublishCommand.Create(output, error));
        root.Subcommands.Add(DiffCommand.Create(output, error));
        root.Subcommands.Add(LabelsCommand.Create(output, error));
        root.Subcommands.Add(ActivateCommand.Create(output, error));
        root.Subcommands.Add(ReportCommand.Create(output, error));
        root.Subcommands.Add(CallsCommand.Create(output, error));
        root.Subcommands.Add(EvalCommand.Create(output, error));

        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                error.WriteLine($"error: {parseError.Message}");
            }

            error.WriteLine(HelpHint);
            return ExitCodes.UsageError;
        }

        try
        {
            return parseResult.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (CliUsageException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            error.WriteLine(HelpHint);
            return ExitCodes.UsageError;
        }
        catch (LibraryBusyException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
        catch (PromptOpsException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            error.WriteLine($"error: the store could not be read: {ex.Message} Check that --store names a PromptOps SQLite file and that no other process holds it locked.");
            return ExitCodes.Failed;
        }
    }

    /// <summary>The shared <c>--dir</c> option: where the prompt library lives.</summary>
    public static Option<string> DirectoryOption() => new("--dir")
    {
        Description = "The prompt library root (holds <id>/<version>.yaml and _partials/).",
        DefaultValueFactory = _ => "prompts",
    };

    /// <summary>Fails with exit code 2 unless the directory exists.</summary>
    public static string RequireDirectory(string path)
    {
        var full = Path.GetFullPath(path);
        return Directory.Exists(full)
            ? full
            : throw new CliUsageException($"The prompt directory '{path}' does not exist (resolved to '{full}'). Pass the library root with --dir, for example --dir prompts.");
    }
}

/// <summary>A mistake in how the command was called; reported without a stack trace, exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
