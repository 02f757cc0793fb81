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
        var historyOption = new Option<bool>("--history") { Description = "With --store: list the store's activation log (who, when, why, from, to), oldest first, instead of the table." };
        var atOption = new Option<string?>("--at") { Description = "With --history: what the log says each prompt served at this time (ISO 8601, UTC unless it has an offset), for example 2026-12-02T03:00:00Z." };
        var promptOption = new Option<string?>("--prompt") { Description = "With --history: one prompt only." };
        var command = new Command("labels", "Show which version of each prompt every environment serves (labels.yaml; configuration may override at run time), and the latest recorded activation.")
        {
            environmentOption,
            directoryOption,
            storeOption,
            historyOption,
            atOption,
            promptOption,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (parseResult.GetValue(historyOption) || parseResult.GetValue(atOption) is not null)
            {
                return await HistoryAsync(parseResult.GetValue(storeOption), parseResult.GetValue(promptOption), parseResult.GetValue(environmentOption), StoreSupport.ParseTime(parseResult.GetValue(atOption), "--at"), output, cancellationToken).ConfigureAwait(false);
            }

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
                        var latest = history.LastOrDefault(a => a.Kind != PromptActivationKind.Requested && a.PromptId == id && string.Equals(a.Environment, environment, StringComparison.OrdinalIgnoreCase));
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

            output.WriteLine("Which wins at run time: the latest activation in the application's store ('promptops activate', shown with --store), then configuration (PromptOps:Labels:<environment>:<prompt-id> = <version>), then labels.yaml.");
            return library.HasErrors ? ExitCodes.Failed : ExitCodes.Success;
        });
        return command;
    }

    /// <summary><c>labels --history [--at T]</c>: the activation log, or what it says each prompt served at a point in time.</summary>
    private static async Task<int> HistoryAsync(string? store, string? promptId, string? environment, DateTimeOffset? at, TextWriter output, CancellationToken cancellationToken)
    {
        await using var opened = StoreSupport.Open(store);
        var history = await opened.Activations.GetHistoryAsync(promptId, environment, cancellationToken).ConfigureAwait(false);
        var table = new Table().Border(TableBorder.Simple);
        if (at is { } time)
        {
            // Each entry says what its environment served from then on; the last one before the time is what was served.
            table.AddColumns("Environment", "Prompt", "Served", "Since", "By", "Why");
            foreach (var entry in history.Where(a => a.Timestamp <= time && a.Kind != PromptActivationKind.Requested)
                .GroupBy(a => (Environment: a.Environment.ToLowerInvariant(), a.PromptId))
                .Select(g => g.Last())
                .OrderBy(a => a.Environment, StringComparer.Ordinal).ThenBy(a => a.PromptId, StringComparer.Ordinal))
            {
                table.AddRow([.. new[] { entry.Environment, entry.PromptId, entry.ToVersion, $"{entry.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z", entry.ActivatedBy, entry.Reason ?? string.Empty }.Select(Markup.Escape)]);
            }

            output.WriteLine($"Served at {time.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z according to the activation log of {opened.Name}:");
            StoreSupport.PlainConsole(output).Write(table);
            output.WriteLine("A prompt not listed had no activation or recorded switch before then: it served what labels.yaml (as deployed then) or the highest published version chose.");
            return ExitCodes.Success;
        }

        table.AddColumns("When", "Id", "Environment", "Prompt", "From", "To", "By", "Kind", "Why");
        foreach (var entry in history)
        {
            table.AddRow([.. new[] { $"{entry.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z", entry.Id + (entry.RelatesTo is null ? string.Empty : $" (re {entry.RelatesTo})"), entry.Environment, entry.PromptId, entry.FromVersion ?? "(highest published)", entry.ToVersion, entry.ActivatedBy, ActivationKindText.Of(entry.Kind), entry.Reason ?? string.Empty }.Select(Markup.Escape)]);
        }

        StoreSupport.PlainConsole(output).Write(table);
        output.WriteLine(history.Count == 0 ? $"No activations in {opened.Name}." : $"{history.Count} entr{(history.Count == 1 ? "y" : "ies")} in {opened.Name}, oldest first.");
        return ExitCodes.Success;
    }

    private static string Describe(PromptLabel label) =>
        label.IsSplit ? string.Join(" | ", label.Variants.Select(v => v.ToString())) : label.Variants[0].Version;
}
