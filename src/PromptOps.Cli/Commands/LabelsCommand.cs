using System.CommandLine;
using Spectre.Console;

namespace PromptOps.Cli.Commands;

/// <summary><c>promptops labels [--env E] [--dir D]</c>: what each environment serves, from <c>labels.yaml</c>, including A/B splits.</summary>
internal static class LabelsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var environmentOption = new Option<string?>("--env") { Description = "Show one environment only, for example production." };
        var directoryOption = PromptOpsCli.DirectoryOption();
        var command = new Command("labels", "Show which version of each prompt every environment serves (labels.yaml; configuration may override at run time).")
        {
            environmentOption,
            directoryOption,
        };

        command.SetAction(parseResult =>
        {
            var directory = PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryOption)!);
            var library = PromptLibrary.LoadDirectory(directory);
            foreach (var problem in library.Diagnostics.Where(d => d.IsError))
            {
                error.WriteLine(problem);
            }

            var environments = parseResult.GetValue(environmentOption) is { } only
                ? [only]
                : library.Labels.Select(l => l.Environment).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
            if (environments.Count == 0)
            {
                output.WriteLine($"No labels: {Path.Combine(directory, "labels.yaml")} does not exist or is empty, so every environment serves the highest published version of each prompt.");
                return library.HasErrors ? ExitCodes.Failed : ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("Environment", "Prompt", "Serves", "From");
            foreach (var environment in environments)
            {
                foreach (var id in library.Ids)
                {
                    var label = library.FindLabel(environment, id);
                    var fallback = library.FindDefault(id, allowDrafts: false)?.Version.ToString() ?? "nothing (no published version)";
                    table.AddRow(
                        Markup.Escape(environment),
                        Markup.Escape(id),
                        Markup.Escape(label is null ? fallback : Describe(label)),
                        Markup.Escape(label is null ? "highest published" : "labels.yaml" + (label.Salt is null ? string.Empty : $" (salt {label.Salt})")));
                }
            }

            StoreSupport.PlainConsole(output).Write(table);
            output.WriteLine("Configuration overrides any of these at run time: PromptOps:Labels:<environment>:<prompt-id> = <version> (see 'promptops activate').");
            return library.HasErrors ? ExitCodes.Failed : ExitCodes.Success;
        });
        return command;
    }

    private static string Describe(PromptLabel label) =>
        label.IsSplit ? string.Join(" | ", label.Variants.Select(v => v.ToString())) : label.Variants[0].Version;
}
