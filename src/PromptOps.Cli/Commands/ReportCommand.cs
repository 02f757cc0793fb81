using System.CommandLine;
using System.Text.Json;
using PromptOps.Cli.Reports;
using Spectre.Console;

namespace PromptOps.Cli.Commands;

/// <summary>
/// <c>promptops report --store F [--from D] [--to D] [--by feature,model,...] [--top N] [--format table|json|html] [--out F]</c>:
/// the cost dashboard of a store (SQLite or PostgreSQL).
/// </summary>
internal static class ReportCommand
{
    private static readonly Dictionary<string, CallGrouping> Groupings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["feature"] = CallGrouping.Feature,
        ["model"] = CallGrouping.Model,
        ["user"] = CallGrouping.User,
        ["tenant"] = CallGrouping.Tenant,
        ["prompt"] = CallGrouping.Prompt,
        ["version"] = CallGrouping.PromptVersion,
        ["day"] = CallGrouping.Day,
        ["hour"] = CallGrouping.Hour,
    };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var storeOption = StoreSupport.StoreOption();
        var fromOption = new Option<string?>("--from") { Description = "The first day (UTC) included, for example 2026-11-01 (default: the first call)." };
        var toOption = new Option<string?>("--to") { Description = "The time (UTC) the report stops before, for example 2026-12-01 (default: now)." };
        var byOption = new Option<string[]>("--by") { Description = "Breakdowns: feature, model, user, tenant, prompt, version, day, hour (repeat or separate with commas; default: feature,model).", AllowMultipleArgumentsPerToken = true };
        var topOption = new Option<int>("--top") { Description = "How many top cost drivers to list per kind.", DefaultValueFactory = _ => 10 };
        var formatOption = new Option<string>("--format") { Description = "table, json or html.", DefaultValueFactory = _ => "table" };
        formatOption.AcceptOnlyFromAmong("table", "json", "html");
        var outOption = new Option<FileInfo?>("--out") { Description = "Write the report to this file instead of the console." };
        var command = new Command("report", "Cost and usage report from the store (SQLite or PostgreSQL): spend against budget per period, spend by feature and model, top cost drivers; as a table, JSON or a self-contained HTML page with charts.")
        {
            storeOption,
            fromOption,
            toOption,
            byOption,
            topOption,
            formatOption,
            outOption,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var from = StoreSupport.ParseTime(parseResult.GetValue(fromOption), "--from");
            var to = StoreSupport.ParseTime(parseResult.GetValue(toOption), "--to");
            if (from is not null && to is not null && from >= to)
            {
                throw new CliUsageException($"--from ({from:yyyy-MM-dd HH:mm}) is not before --to ({to:yyyy-MM-dd HH:mm}). Give a range that is at least a moment long.");
            }

            var by = ParseGroupings(parseResult.GetValue(byOption));
            var top = parseResult.GetValue(topOption);
            if (top < 1)
            {
                throw new CliUsageException($"--top is {top}; give at least 1.");
            }

            await using var store = StoreSupport.Open(parseResult.GetValue(storeOption));
            var report = await CostReport.BuildAsync(store.Calls, store.Feedback, store.Name, new CallQuery { From = from, To = to }, by, top, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
            var format = parseResult.GetValue(formatOption)!;
            var outFile = parseResult.GetValue(outOption);
            var text = format switch
            {
                "json" => JsonSerializer.Serialize(report, StoreSupport.Json) + Environment.NewLine,
                "html" => HtmlReportWriter.Write(report),
                _ => null,
            };

            if (outFile is not null)
            {
                if (outFile.Directory is { Exists: false } directory)
                {
                    directory.Create();
                }

                if (text is null)
                {
                    using var writer = new StreamWriter(outFile.FullName);
                    WriteTable(report, writer);
                }
                else
                {
                    await File.WriteAllTextAsync(outFile.FullName, text, cancellationToken).ConfigureAwait(false);
                }

                output.WriteLine($"Wrote the {format} report of {ReportFormat.Count(report.Totals.Calls)} call(s) to {outFile.FullName}");
            }
            else if (text is null)
            {
                WriteTable(report, output);
            }
            else
            {
                output.Write(text);
            }

            return report.Budgets.Any(b => b.Share >= 1) ? ExitCodes.Failed : ExitCodes.Success;
        });
        return command;
    }

    private static List<CallGrouping> ParseGroupings(string[]? values)
    {
        var names = (values is { Length: > 0 } ? values : ["feature,model"])
            .SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var groupings = new List<CallGrouping>();
        foreach (var name in names)
        {
            if (!Groupings.TryGetValue(name, out var grouping))
            {
                throw new CliUsageException($"--by '{name}' is not a breakdown. Use one or more of: {string.Join(", ", Groupings.Keys)}.");
            }

            if (!groupings.Contains(grouping))
            {
                groupings.Add(grouping);
            }
        }

        return groupings;
    }

    private static void WriteTable(CostReport report, TextWriter output)
    {
        var totals = report.Totals;
        output.WriteLine($"PromptOps cost report: {ReportFormat.Range(report)}, store {report.Store}");
        output.WriteLine($"{ReportFormat.Usd(totals.Cost)} over {ReportFormat.Count(totals.Calls)} call(s)"
            + (totals.UnpricedCalls > 0 ? $" (+{ReportFormat.Count(totals.UnpricedCalls)} unpriced)" : string.Empty)
            + $"; errors {ReportFormat.Share(totals.ErrorRate)}; tokens in {ReportFormat.Count(totals.InputTokens)} / out {ReportFormat.Count(totals.OutputTokens)}; latency p50 {ReportFormat.Duration(totals.P50Latency)}, p95 {ReportFormat.Duration(totals.P95Latency)}");
        var console = StoreSupport.PlainConsole(output);
        if (report.BudgetSummaries.Count > 0)
        {
            var budgets = new Table().Border(TableBorder.Simple).Title("Spend against budget");
            budgets.AddColumns("Budget", "Scope", "Latest period", "Spent", "Limit", "Used", "Periods near/over", "Peak");
            foreach (var summary in report.BudgetSummaries)
            {
                var budget = summary.Latest;
                budgets.AddRow(
                    Markup.Escape(budget.Budget),
                    Markup.Escape(ReportFormat.Scope(budget)),
                    Markup.Escape($"{budget.Period.ToLowerInvariant()} {ReportFormat.Date(budget.PeriodStart)}"),
                    ReportFormat.Usd(budget.SpentUsd),
                    budget.LimitUsd is { } limit ? ReportFormat.Usd(limit) : "not configured",
                    budget.Share is { } share ? ReportFormat.Share(share) + (share >= 1 ? " OVER" : share >= 0.9 ? " near" : string.Empty) : string.Empty,
                    $"{summary.NearLimit}/{summary.OverLimit} of {summary.Periods}",
                    summary.PeakShare is { } peak ? ReportFormat.Share(peak) : string.Empty);
            }

            console.Write(budgets);
        }

        foreach (var breakdown in report.Breakdowns)
        {
            console.Write(Table($"By {breakdown.Name}", breakdown));
        }

        foreach (var driver in report.TopDrivers)
        {
            console.Write(Table($"Top cost drivers: {driver.Name}", driver));
        }

        if (report.Quality.Count > 0)
        {
            var quality = new Table().Border(TableBorder.Simple).Title("Quality by prompt version");
            quality.AddColumns([.. VersionQualityText.Headers.Select((header, i) => i == 0 ? new TableColumn(header).NoWrap() : new TableColumn(header))]);
            foreach (var row in report.Quality)
            {
                quality.AddRow([.. VersionQualityText.Cells(row).Select(Markup.Escape)]);
            }

            console.Write(quality);
        }

        if (report.Comparisons.Count > 0)
        {
            var comparisons = new Table().Border(TableBorder.Simple).Title("A/B: each variant against the control (the variant with the most calls); * = the 95% interval excludes 0");
            comparisons.AddColumns(VersionQualityText.ComparisonHeaders);
            foreach (var comparison in report.Comparisons)
            {
                comparisons.AddRow([.. VersionQualityText.Cells(comparison).Select(Markup.Escape)]);
            }

            console.Write(comparisons);
        }
    }

    private static Table Table(string title, ReportBreakdown breakdown)
    {
        var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape(title));
        table.AddColumns(Markup.Escape(breakdown.Name), "Cost", "Calls", "Errors", "In tokens", "Out tokens", "p50", "p95");
        foreach (var row in breakdown.Rows)
        {
            table.AddRow(Markup.Escape(row.Keys[0]), ReportFormat.Usd(row.Cost), ReportFormat.Count(row.Calls), ReportFormat.Share(row.ErrorRate), ReportFormat.Count(row.InputTokens), ReportFormat.Count(row.OutputTokens), ReportFormat.Duration(row.P50Latency), ReportFormat.Duration(row.P95Latency));
        }

        if (breakdown.Rows.Count == 0)
        {
            table.AddRow("(no calls)", string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty);
        }

        return table;
    }
}
