using System.CommandLine;

namespace PromptOps.Cli.Commands;

/// <summary><c>promptops skills check [file]</c> and <c>promptops skills graph [file] [--format mermaid|dot|json]</c>.</summary>
internal static class SkillsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("skills", "Validate and draw the skill graph of a skills.yaml file.");
        command.Subcommands.Add(CreateCheck(output, error));
        command.Subcommands.Add(CreateGraph(output, error));
        return command;
    }

    private static Argument<FileInfo?> FileArgument() => new("file")
    {
        Description = "The skills file; default: skills.yaml in the current directory.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static Command CreateCheck(TextWriter output, TextWriter error)
    {
        var fileArgument = FileArgument();
        var command = new Command("check", "Validate the skill graph: dependencies, cycles, tools claimed twice, disabled dependencies, duplicates. Tool registration is checked at run time, not here.")
        {
            fileArgument,
        };
        command.SetAction(parseResult =>
        {
            var path = RequireFile(parseResult.GetValue(fileArgument));
            var (skills, diagnostics) = SkillRegistry.CheckFile(path);
            foreach (var diagnostic in diagnostics)
            {
                error.WriteLine(diagnostic);
            }

            var errors = diagnostics.Count(d => d.IsError);
            output.WriteLine(errors == 0
                ? $"{skills.Count} skill(s), {skills.Sum(s => s.Dependencies.Count)} dependency edge(s), {skills.Sum(s => s.Tools.Count)} tool(s): the skill graph is valid."
                : $"{errors} error(s) in {path}.");
            return errors == 0 ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    private static Command CreateGraph(TextWriter output, TextWriter error)
    {
        var fileArgument = FileArgument();
        var formatOption = new Option<string>("--format") { Description = "Output format.", DefaultValueFactory = _ => "mermaid" };
        formatOption.AcceptOnlyFromAmong("mermaid", "dot", "json");
        var command = new Command("graph", "Print the skill graph as Mermaid, Graphviz DOT or JSON.")
        {
            fileArgument,
            formatOption,
        };
        command.SetAction(parseResult =>
        {
            var path = RequireFile(parseResult.GetValue(fileArgument));
            var (skills, diagnostics) = SkillRegistry.CheckFile(path);
            foreach (var diagnostic in diagnostics)
            {
                error.WriteLine(diagnostic);
            }

            var graph = SkillGraph.From(skills);
            output.Write(parseResult.GetValue(formatOption) switch
            {
                "dot" => graph.ToDot(),
                "json" => graph.ToJson(),
                _ => graph.ToMermaid(),
            });
            return diagnostics.Any(d => d.IsError) ? ExitCodes.Failed : ExitCodes.Success;
        });
        return command;
    }

    private static string RequireFile(FileInfo? file)
    {
        var path = file?.FullName ?? Path.GetFullPath("skills.yaml");
        return File.Exists(path)
            ? path
            : throw new CliUsageException($"The skills file '{path}' does not exist. Pass the path of your skills.yaml, or run from the folder that holds it.");
    }
}
