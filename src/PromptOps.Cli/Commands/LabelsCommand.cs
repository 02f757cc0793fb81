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
        var storeOption = StoreSupport.StoreOption("Also show the latest activation of each prompt recorded in this store (SQLite file or PostgreSQL), as 'promptops activate --store' recorded it. Default: none.");
        var command = new Command("labels", "Show which version of each prompt every environment serves (labels.yaml; configuration may override at run time), and the latest recorded activation.")
        {
            environmentOption,
            directoryOption,
            storeOption,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var directory = PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryOption)!);
            var library = PromptLibrary.LoadDirectory(directory);
            foreach (var problem in library.Diagnostics.Where(d => d.IsError))
            {
                error.WriteLine(problem);
            }

            IReadOnlyList<PromptActivation>? history = null;
            string? storeName = null;
            if (parseResult.GetValue(storeOption) is { Length: > 0 } store)
            {
                await using var opened = StoreSupport.Open(store);
                history = await opened.Activations.GetHistoryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                storeName = opened.Name;
            }

            var environments = parseResult.GetValue(environmentOption) is { } only
                ? [only]
                : library.Labels.Select(l => l.Environment).Concat(history?.Select(a => a.Environment) ?? []).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
            if (environments.Count == 0)
            {
                output.WriteLine($"No labels: {Path.Combine(directory, "labels.yaml")} does not exist or is empty, so every environment serves the highest published version of each prompt.");
                return library.HasErrors ? ExitCodes.Failed : ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("Environment", "Prompt", "Serves", "From");
            if (history is not null)
            {
                table.AddColumn("Latest activation (store)");
            }

            foreach (var environment in environments)
            {
                foreach (var id in library.Ids)
                {
                    var label = library.FindLabel(environment, id);
                    var fallback = library.FindDefault(id, allowDrafts: false)?.Version.ToString() ?? "nothing (no published version)";
                    string[] cells =
                    [
                        environment,
                        id,
                        label is null ? fallback : Describe(label),
                        label is null ? "highest published" : "labels.yaml" + (label.Salt is null ? string.Empty : $" (salt {label.Salt})"),
                    ];
                    if (history is not null)
                    {
                        var latest = history.LastOrDefault(a => a.PromptId == id && string.Equals(a.Environment, environment, StringComparison.OrdinalIgnoreCase));
                        cells = [.. cells, latest is null ? "none" : $"{latest.ToVersion} by {latest.ActivatedBy}, {latest.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm}Z"];
                    }

                    table.AddRow([.. cells.Select(Markup.Escape)]);
                }
            }

            StoreSupport.PlainConsole(output).Write(table);
            if (storeName is not null)
            {
                output.WriteLine($"Activations from {storeName}: the latest one recorded for each prompt and environment.");
            }

            output.WriteLine("Configuration overrides any of these at run time: PromptOps:Labels:<environment>:<prompt-id> = <version> (see 'promptops activate').");
            return library.HasErrors ? ExitCodes.Failed : ExitCodes.Success;
        });
        return command;
    }

    private static string Describe(PromptLabel label) =>
        label.IsSplit ? string.Join(" | ", label.Variants.Select(v => v.ToString())) : label.Variants[0].Version;
}
