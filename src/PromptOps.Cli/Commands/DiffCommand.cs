using System.CommandLine;
using PromptOps.Cli.Lifecycle;

namespace PromptOps.Cli.Commands;

/// <summary><c>promptops diff &lt;id&gt; &lt;v1&gt; &lt;v2&gt; [--dir D]</c>: a unified line diff of two versions (metadata, model settings, budget, skills, inputs, messages).</summary>
internal static class DiffCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var idArgument = new Argument<string>("id") { Description = "The prompt id." };
        var oldArgument = new Argument<string>("v1") { Description = "The old version, for example 2.0.0." };
        var newArgument = new Argument<string>("v2") { Description = "The new version, for example 2.1.0 (drafts too)." };
        var directoryOption = PromptOpsCli.DirectoryOption();
        var command = new Command("diff", "Show what changed between two versions of a prompt, section by section, as a unified diff.")
        {
            idArgument,
            oldArgument,
            newArgument,
            directoryOption,
        };

        command.SetAction(parseResult =>
        {
            var directory = PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryOption)!);
            var id = parseResult.GetValue(idArgument)!;
            var library = PromptLibrary.LoadDirectory(directory);
            var versions = new List<PromptTemplate>();
            foreach (var version in new[] { parseResult.GetValue(oldArgument)!, parseResult.GetValue(newArgument)! })
            {
                if (library.FindVersion(id, version) is not { } prompt)
                {
                    foreach (var problem in library.Diagnostics.Where(d => d.IsError && d.FilePath?.Contains($"{id}/{version}", StringComparison.Ordinal) == true))
                    {
                        error.WriteLine(problem);
                    }

                    error.WriteLine($"error: {PromptNotFoundException.For(library, id, version).Message}");
                    return ExitCodes.Failed;
                }

                versions.Add(prompt);
            }

            var (before, after) = (versions[0], versions[1]);
            var diff = UnifiedDiff.Format(
                PromptReviewText.Of(before.Definition),
                PromptReviewText.Of(after.Definition),
                $"{id}@{before.Version} ({Status(before)})",
                $"{id}@{after.Version} ({Status(after)})");
            output.Write(diff.Length > 0 ? diff : $"No differences between {id}@{before.Version} and {id}@{after.Version}.\n");
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Status(PromptTemplate prompt) => prompt.Status.ToString().ToLowerInvariant();
}
