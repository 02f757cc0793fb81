using System.CommandLine;
using PromptOps.Cli.Lifecycle;

namespace PromptOps.Cli.Commands;

/// <summary>
/// <c>promptops activate &lt;id&gt; &lt;version&gt; --env E --reason R [--by who] [--store F.jsonl] [--dir D]</c>: checks that the
/// version can be served, records the activation in an activation log when one is given, and prints the setting to change.
/// </summary>
internal static class ActivateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var idArgument = new Argument<string>("id") { Description = "The prompt id." };
        var versionArgument = new Argument<string>("version") { Description = "The version to serve (2.0.0), or an A/B split ('2.1.0:90, 2.2.0:10')." };
        var environmentOption = new Option<string>("--env") { Description = "The environment, for example production.", Required = true };
        var reasonOption = new Option<string>("--reason") { Description = "Why: recorded with the activation, for example 'rollback: wrong refund policy (INC-4312)'.", Required = true };
        var byOption = new Option<string?>("--by") { Description = "Who activates (default: the current user name)." };
        var storeOption = StoreSupport.StoreOption($"The activation log to record in: the application's store (a SQLite file .db/.sqlite/.sqlite3, or PostgreSQL \"Host=...;Database=...\" or postgres://...) or a .jsonl file (created when missing). Default: the {StoreSupport.StoreVariable} environment variable, if set.");
        var directoryOption = PromptOpsCli.DirectoryOption();
        var configOption = ActivationSupport.ConfigOption();
        var command = new Command("activate", "Switch what an environment serves (rollback or promotion) on every instance attached to the store, or request it where approval is required.")
        {
            configOption,
            idArgument,
            versionArgument,
            environmentOption,
            reasonOption,
            byOption,
            storeOption,
            directoryOption,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var directory = PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryOption)!);
            var id = parseResult.GetValue(idArgument)!;
            var environment = parseResult.GetValue(environmentOption)!;
            var reason = parseResult.GetValue(reasonOption)!;
            var versionText = parseResult.GetValue(versionArgument)!;
            var store = parseResult.GetValue(storeOption) is { Length: > 0 } given ? given : Environment.GetEnvironmentVariable(StoreSupport.StoreVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
            if (!PromptOpsOptionsValidator.IsEnvironmentName(environment))
            {
                throw new CliUsageException($"'{environment}' is not a valid environment name. Use letters, digits, '.', '-' or '_', for example --env production.");
            }

            if (string.IsNullOrWhiteSpace(reason))
            {
                throw new CliUsageException("--reason is empty. Say why, for example --reason \"rollback: refunds answered wrongly (INC-4312)\".");
            }

            if (store is not null && !StoreSupport.IsPostgreSql(store) && !IsJsonLines(store) && !IsSqlite(store))
            {
                throw new CliUsageException($"--store '{Path.GetFileName(store)}' is neither a SQLite store (.db, .sqlite, .sqlite3), a PostgreSQL connection string nor a JSON-lines file (.jsonl). Use for example --store promptops.db or --store activations.jsonl.");
            }

            if (!LabelsFileParser.TryParseText(versionText, out var variants, out var salt, out var problem))
            {
                throw new CliUsageException($"The version '{versionText}' is invalid: {problem}");
            }

            var library = PromptLibrary.LoadDirectory(directory);
            var label = new PromptLabel(environment, id, variants, salt);
            var problems = new List<PromptDiagnostic>();
            LabelValidation.Check(label, library.GetVersions, library.Ids, "promptops activate", problems);
            foreach (var diagnostic in problems)
            {
                (diagnostic.IsError ? error : output).WriteLine(diagnostic.IsError ? $"error: {diagnostic.Message}" : $"warning: {diagnostic.Message}");
            }

            if (problems.Any(d => d.IsError))
            {
                return ExitCodes.Failed;
            }

            var current = library.FindLabel(environment, id);
            PromptActivation Activation(string? from) => new()
            {
                PromptId = id,
                Environment = environment,
                FromVersion = from,
                ToVersion = label.ToString(),
                ActivatedBy = parseResult.GetValue(byOption) is { Length: > 0 } by ? by : Environment.UserName,
                Timestamp = DateTimeOffset.UtcNow,
                Reason = reason,
            };

            if (store is not null && !IsJsonLines(store))
            {
                // The application's store: the activation is the switch. Every instance attached to it serves the version,
                // so it switches from what the store made live, if anything, rather than from labels.yaml.
                await using var session = ActivationSession.Open(library, parseResult.GetValue(configOption), store, createSqlite: true);
                var opened = session.Store;
                if (await session.TryAsync(desk => desk.ActivateAsync(id, versionText, environment, reason, parseResult.GetValue(byOption), cancellationToken), error).ConfigureAwait(false) is not { } activation)
                {
                    return ExitCodes.Failed;
                }

                if (activation.Kind == PromptActivationKind.Requested)
                {
                    output.WriteLine($"Requested in {opened.Name}: {activation}");
                    output.WriteLine($"{environment} requires approval (PromptOps:Environments:{environment}:RequireApproval, read from {session.SettingsSources}). Nothing changes until someone other than {activation.ActivatedBy} approves it:");
                    output.WriteLine($"  promptops approve {activation.Id} --by <name> --store {opened.Hint}");
                    return ExitCodes.Success;
                }

                output.WriteLine($"Activated in {opened.Name}: {activation}");
                output.WriteLine($"Every instance attached to this store serves {id} {label} in {environment}: at its next read of the activation log (PromptOps:ActivationPollInterval, 5 s by default; at once with PostgreSQL), and from the start for instances started later. No restart or configuration change.");
                output.WriteLine($"An activation overrides labels.yaml and PromptOps:Labels until the next activation. Roll back with: promptops activate {id} {activation.FromVersion ?? "<version>"} --env {environment} --reason \"...\" --store {opened.Hint}");
                return ExitCodes.Success;
            }

            var recorded = Activation(current?.ToString());
            if (store is not null)
            {
                var file = Path.GetFullPath(store);
                await new JsonLinesActivationLog(file).RecordAsync(recorded, cancellationToken).ConfigureAwait(false);
                output.WriteLine($"Recorded in {file}: {recorded}");
            }
            else
            {
                output.WriteLine($"Not recorded (no --store): {recorded}");
            }

            // Without the application's store nothing running reads the activation: say how to switch it by configuration.
            var from = current is null ? $"the highest published version ({library.FindDefault(id, allowDrafts: false)?.Version})" : $"{current} (labels.yaml)";
            output.WriteLine($"{environment} serves {id} {from} by default. To serve {label} instead, pass the application's store (--store), or set one of:");
            output.WriteLine($"  configuration key     PromptOps:Labels:{environment}:{id} = {label}");
            output.WriteLine($"  environment variable  PromptOps__Labels__{environment}__{id}={label}");
            output.WriteLine($"  labels.yaml           {environment}: {{ {id}: \"{label}\" }}");
            output.WriteLine("A running service that reloads its configuration serves the new version on the next call, with no restart.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static bool IsJsonLines(string file) => Path.GetExtension(file).Equals(".jsonl", StringComparison.OrdinalIgnoreCase);

    private static bool IsSqlite(string file) => Path.GetExtension(file).ToLowerInvariant() is ".db" or ".sqlite" or ".sqlite3";
}
