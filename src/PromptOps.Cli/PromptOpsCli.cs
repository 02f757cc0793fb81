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
        root.Subcommands.Add(ApproveCommand.Create(output, error));
        root.Subcommands.Add(RolloutCommand.Create(output, error));
        root.Subcommands.Add(ReportCommand.Create(output, error));
        root.Subcommands.Add(DriftCommand.Create(output, error));
        root.Subcommands.Add(CallsCommand.Create(output, error));
        root.Subcommands.Add(EvalCommand.Create(output, error));

        var parseResult = root.Parse(args);
        var problems = parseResult.Errors.Select(e => e.Message).Concat(UnknownOptions(parseResult)).ToList();
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                error.WriteLine($"error: {problem}");
            }

            error.WriteLine(HelpHint);
            return ExitCodes.UsageError;
        }

        try
        {
            if (parseResult.Action is System.CommandLine.Help.HelpAction)
            {
                // Help names the tool by the file that runs it (PromptOps.Cli.dll, or the test host): it is promptops.
                using var help = new StringWriter();
                var exitCode = parseResult.Invoke(new InvocationConfiguration { Output = help, Error = error, EnableDefaultExceptionHandler = false });
                output.Write(help.ToString().Replace($"  {root.Name} ", "  promptops ", StringComparison.Ordinal).Replace($"  {root.Name}\n", "  promptops\n", StringComparison.Ordinal));
                return exitCode;
            }

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
        catch (Npgsql.NpgsqlException ex)
        {
            error.WriteLine($"error: the PostgreSQL store could not be read: {ex.Message} {PostgreSqlErrors.Hint(ex)}");
            return ExitCodes.Failed;
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            error.WriteLine($"error: the store could not be read: {ex.Message} Check that --store names a PromptOps SQLite file and that no other process holds it locked.");
            return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// Finds option-like words that a command took as argument values (<c>lint --strcit</c> would lint a directory named
    /// "--strcit"): each is an unknown option, reported with the nearest option of the command.
    /// </summary>
    private static IEnumerable<string> UnknownOptions(ParseResult parseResult)
    {
        var command = parseResult.CommandResult.Command;
        var known = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToList();
        foreach (var token in parseResult.Tokens)
        {
            if (token.Type == System.CommandLine.Parsing.TokenType.Argument && token.Value.StartsWith("--", StringComparison.Ordinal) && token.Value.Length > 2)
            {
                var nearest = PromptOps.KeySuggester.Nearest(token.Value, known);
                yield return $"'{token.Value}' is not an option of '{command.Name}'." + (nearest is null ? string.Empty : $" Did you mean '{nearest}'?");
            }
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
