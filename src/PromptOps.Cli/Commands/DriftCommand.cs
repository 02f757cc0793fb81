using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace PromptOps.Cli.Commands;

/// <summary>
/// <c>promptops drift [--store S] [--prompt id] [--recent 1d] [--reference 7d] [--at T] [--format table|json]</c>: compares each
/// prompt version's recent calls with the window before, and says what drifted. Exit 1 when something did.
/// </summary>
internal static class DriftCommand
{
    private static readonly string[] Columns = ["Version", "Metric", "Reference", "Recent", "z", "Verdict", "Details"];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var storeOption = StoreSupport.StoreOption();
        var promptOption = new Option<string?>("--prompt") { Description = "Only this prompt id." };
        var recentOption = new Option<string>("--recent") { Description = "The recent window, ending now (or at --at): 1d, 6h, 30m.", DefaultValueFactory = _ => "1d" };
        var referenceOption = new Option<string>("--reference") { Description = "The reference window, just before the recent one.", DefaultValueFactory = _ => "7d" };
        var atOption = new Option<string?>("--at") { Description = "Where the recent window ends (ISO 8601; default: now)." };
        var minimumOption = new Option<int>("--min-calls") { Description = "The fewest calls each window needs before a metric is compared.", DefaultValueFactory = _ => 200 };
        var formatOption = new Option<string>("--format") { Description = "table or json.", DefaultValueFactory = _ => "table" };
        formatOption.AcceptOnlyFromAmong("table", "json");
        var command = new Command("drift", "Compare each prompt version's recent calls with the window before: error rate, answers cut off or filtered, output tokens and length, feedback. Exit 1 when something drifted.")
        {
            storeOption,
            promptOption,
            recentOption,
            referenceOption,
            atOption,
            minimumOption,
            formatOption,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var recent = Duration(parseResult.GetValue(recentOption), "--recent");
            var reference = Duration(parseResult.GetValue(referenceOption), "--reference");
            var minimum = parseResult.GetValue(minimumOption);
            if (minimum < 2)
            {
                throw new CliUsageException($"--min-calls is {minimum}; give at least 2 (200 or more keeps noise from looking like drift).");
            }

            var now = StoreSupport.ParseTime(parseResult.GetValue(atOption), "--at") ?? DateTimeOffset.UtcNow;
            await using var store = StoreSupport.Open(parseResult.GetValue(storeOption));
            var findings = await DriftCheck.RunAsync(store.Calls, store.Feedback, now, recent, reference, parseResult.GetValue(promptOption)?.ToLowerInvariant(), new DriftRule { MinimumCalls = minimum }, cancellationToken).ConfigureAwait(false);
            var drifted = findings.Where(f => f.Verdict == DriftVerdict.Drift).ToList();
            if (parseResult.GetValue(formatOption) == "json")
            {
                output.WriteLine(JsonSerializer.Serialize(findings.Select(f => new { f.Version, f.Metric, Reference = Finite(f.Reference), Recent = Finite(f.Recent), f.ReferenceCount, f.RecentCount, Z = Finite(f.Z), f.Verdict, f.Text }), StoreSupport.Json));
                return drifted.Count > 0 ? ExitCodes.Failed : ExitCodes.Success;
            }

            output.WriteLine($"Drift in {store.Name}: {RolloutText.Duration(recent)} up to {now.UtcDateTime:yyyy-MM-dd HH:mm}Z against the {RolloutText.Duration(reference)} before.");
            if (findings.Count == 0)
            {
                output.WriteLine("No prompt version was called in the recent window.");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns(Columns);
            foreach (var finding in findings)
            {
                table.AddRow([.. new[]
                {
                    finding.Version,
                    finding.Metric,
                    Value(finding.Reference, finding.ReferenceCount, finding.Metric),
                    Value(finding.Recent, finding.RecentCount, finding.Metric),
                    finding.Verdict == DriftVerdict.TooFewCalls ? "-" : finding.Z.ToString("0.0", CultureInfo.InvariantCulture),
                    finding.Verdict switch { DriftVerdict.Drift => "DRIFT", DriftVerdict.Stable => "stable", _ => "too few" },
                    finding.Text,
                }.Select(Markup.Escape)]);
            }

            StoreSupport.PlainConsole(output).Write(table);
            output.WriteLine(drifted.Count == 0
                ? "Nothing drifted. A change counts when both windows have enough calls, |z| >= 4 and it moves a rate by 5 points or a mean by 25%."
                : $"{drifted.Count} change(s) beyond the rule (|z| >= 4 and 5 points or 25%): {string.Join("; ", drifted.Select(d => $"{d.Version} {d.Metric}"))}.");
            return drifted.Count > 0 ? ExitCodes.Failed : ExitCodes.Success;
        });
        return command;
    }

    private static TimeSpan Duration(string? text, string option) =>
        RolloutText.TryParseDuration(text, out var value) ? value : throw new CliUsageException($"{option} '{text}' is not a duration. Use for example {option} 1d, 6h or 30m.");

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static string Value(double value, long count, string metric) => double.IsNaN(value)
        ? string.Create(CultureInfo.InvariantCulture, $"(n={count:N0})")
        : metric is "error_rate" or "finish_length" or "finish_content_filter"
            ? string.Create(CultureInfo.InvariantCulture, $"{value:0.0%} (n={count:N0})")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} (n={count:N0})");
}
