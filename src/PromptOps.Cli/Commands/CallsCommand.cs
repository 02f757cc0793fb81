using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PromptOps.Cli.Reports;
using Spectre.Console;

namespace PromptOps.Cli.Commands;

/// <summary>
/// <c>promptops calls --store F --request ID [--format text|json]</c>: everything recorded for one request, for incident
/// response; without <c>--request</c>, the latest calls (filtered by feature, user or failure) to find the request id.
/// </summary>
internal static class CallsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var storeOption = StoreSupport.StoreOption();
        var requestOption = new Option<string?>("--request") { Description = "The request id (returned on each response under promptops.request_id, and logged with every call)." };
        var featureOption = new Option<string?>("--feature") { Description = "Without --request: only this feature." };
        var userOption = new Option<string?>("--user") { Description = "Without --request: only this user." };
        var failedOption = new Option<bool>("--failed") { Description = "Without --request: only failed calls." };
        var limitOption = new Option<int>("--limit") { Description = "Without --request: how many of the latest calls to list.", DefaultValueFactory = _ => 20 };
        var formatOption = new Option<string>("--format") { Description = "text or json.", DefaultValueFactory = _ => "text" };
        formatOption.AcceptOnlyFromAmong("text", "json");
        var command = new Command("calls", "Everything recorded for one request (prompt version, variant, input, output, tokens, cost, latency, tools, error), or a list of the latest calls.")
        {
            storeOption,
            requestOption,
            featureOption,
            userOption,
            failedOption,
            limitOption,
            formatOption,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            await using var store = StoreSupport.Open(parseResult.GetValue(storeOption));
            var json = parseResult.GetValue(formatOption) == "json";
            if (parseResult.GetValue(requestOption) is { Length: > 0 } requestId)
            {
                var records = await store.Calls.GetRequestAsync(requestId, cancellationToken).ConfigureAwait(false);
                if (records.Count == 0)
                {
                    error.WriteLine($"error: no call with request id '{requestId}' in {store.Name}. List recent calls with 'promptops calls --store {store.Hint}' to find it; records older than the store's retention are deleted.");
                    return ExitCodes.Failed;
                }

                if (json)
                {
                    output.WriteLine(JsonSerializer.Serialize(records, StoreSupport.Json));
                }
                else
                {
                    WriteRequest(requestId, records, output);
                }

                return ExitCodes.Success;
            }

            var limit = parseResult.GetValue(limitOption);
            if (limit < 1)
            {
                throw new CliUsageException($"--limit is {limit}; give at least 1.");
            }

            var query = new CallQuery
            {
                Feature = parseResult.GetValue(featureOption),
                UserId = parseResult.GetValue(userOption),
                Success = parseResult.GetValue(failedOption) ? false : null,
                Limit = limit,
            };
            var latest = await store.Calls.QueryAsync(query, cancellationToken).ConfigureAwait(false);
            if (json)
            {
                output.WriteLine(JsonSerializer.Serialize(latest, StoreSupport.Json));
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("Started (UTC)", "Request", "Feature", "Prompt", "Model", "Tokens in/out", "Cost", "Latency", "Outcome");
            foreach (var record in latest)
            {
                table.AddRow(
                    record.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    Markup.Escape(record.RequestId),
                    Markup.Escape(record.Feature),
                    Markup.Escape(record.PromptId is null ? "-" : $"{record.PromptId}@{record.PromptVersion}"),
                    Markup.Escape(record.Model ?? "-"),
                    $"{record.InputTokens?.ToString(CultureInfo.InvariantCulture) ?? "?"}/{record.OutputTokens?.ToString(CultureInfo.InvariantCulture) ?? "?"}",
                    CostCell(record),
                    ReportFormat.Duration(record.Latency),
                    Markup.Escape(record.Success ? record.FinishReason ?? "ok" : record.ErrorType?.Split('.')[^1] ?? "failed"));
            }

            StoreSupport.PlainConsole(output).Write(table);
            output.WriteLine(latest.Count == 0 ? "No calls match." : $"{latest.Count} call(s), newest first. Show one with: promptops calls --store {store.Hint} --request <id>");
            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteRequest(string requestId, IReadOnlyList<PromptCallRecord> records, TextWriter output)
    {
        var failed = records.Count(r => !r.Success);
        output.WriteLine($"Request {requestId}: {records.Count} call(s), {ReportFormat.Usd(records.Sum(r => r.Cost ?? 0))}"
            + (failed > 0 ? $", {failed} failed" : string.Empty)
            + (records.Any(r => r.Success && r.Cost is null) ? " (some unpriced)" : string.Empty));
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            output.WriteLine();
            output.WriteLine($"Call {i + 1} of {records.Count}: {r.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)} UTC, {(r.Success ? "succeeded" : "FAILED")}");
            Line(output, "prompt", r.PromptId is null ? "(not from a prompt)" : $"{r.PromptId}@{r.PromptVersion}" + Detail(("variant", r.Variant), ("label", r.Label)));
            Line(output, "feature", r.Feature);
            Line(output, "user", r.UserId ?? "-");
            Line(output, "tenant", r.TenantId ?? "-");
            Line(output, "model", (r.Model ?? "-") + Detail(("response", r.ResponseModel), ("provider", r.Provider), ("downgraded from", r.DowngradedFrom)));
            Line(output, "settings", $"temperature {r.Temperature?.ToString(CultureInfo.InvariantCulture) ?? "-"}, max output tokens {r.MaxOutputTokens?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
            Line(output, "input tokens", Tokens(r.InputTokens) + Detail(("cached", r.CachedInputTokens?.ToString(CultureInfo.InvariantCulture)), ("cache write", r.CacheWriteInputTokens?.ToString(CultureInfo.InvariantCulture)), ("pre-flight estimate", r.EstimatedInputTokens?.ToString(CultureInfo.InvariantCulture))));
            Line(output, "output tokens", Tokens(r.OutputTokens) + Detail(("reasoning", r.ReasoningTokens?.ToString(CultureInfo.InvariantCulture))) + (r.UsageEstimated ? " (estimated: the provider reported no usage)" : string.Empty));
            Line(output, "cost", r.Cost is { } cost ? ReportFormat.Usd(cost) + Detail(("price", r.PriceSource))
                : r.Success ? "unknown (the model has no price)"
                : "none (the call failed before the provider reported usage)");
            Line(output, "latency", ReportFormat.Duration(r.Latency) + (r.TimeToFirstToken is { } first ? $" (first token after {ReportFormat.Duration(first)})" : string.Empty) + (r.Streaming ? ", streamed" : string.Empty));
            Line(output, "finish", r.FinishReason ?? "-");
            Line(output, "tools", $"offered {List(r.ToolsAvailable)}; called {List(r.ToolsCalled)}");
            if (!r.Success)
            {
                Line(output, "error", $"{r.ErrorType}: {r.Error}");
            }

            if (r.Tags.Count > 0)
            {
                Line(output, "tags", string.Join(", ", r.Tags.Select(t => $"{t.Key}={t.Value}")));
            }

            var captured = r.InputContent is not null || r.OutputContent is not null;
            Block(output, "input", r.InputContent, captured, r.Success);
            Block(output, "output", r.OutputContent, captured, r.Success);
        }
    }

    /// <summary>The cost column: the cost, "-" for a failed call that was not charged, "unpriced" for a success without a price.</summary>
    private static string CostCell(PromptCallRecord record) =>
        record.Cost is { } cost ? ReportFormat.Usd(cost) : record.Success ? "unpriced" : "-";

    /// <summary>Writes one labelled line; a value of several lines (an error message) keeps its indentation.</summary>
    private static void Line(TextWriter output, string name, string value) =>
        output.WriteLine($"  {name,-14} {value.ReplaceLineEndings("\n").TrimEnd('\n').Replace("\n", "\n" + new string(' ', 17), StringComparison.Ordinal)}");

    private static void Block(TextWriter output, string name, string? text, bool captured, bool succeeded)
    {
        if (text is null)
        {
            Line(output, name, !captured ? "(not captured: PromptOps:Calls:ContentCapture was Off)"
                : succeeded ? "(none)"
                : "(none: the call failed)");
            return;
        }

        output.WriteLine($"  {name}:");
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            output.WriteLine($"    {line}");
        }
    }

    private static string Tokens(long? count) => count?.ToString("#,0", CultureInfo.InvariantCulture) ?? "unknown";

    private static string List(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);

    private static string Detail(params (string Name, string? Value)[] parts)
    {
        var present = parts.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name} {p.Value}").ToList();
        return present.Count == 0 ? string.Empty : $" ({string.Join(", ", present)})";
    }
}
