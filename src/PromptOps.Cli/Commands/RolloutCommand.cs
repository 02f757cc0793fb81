using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace PromptOps.Cli.Commands;

/// <summary>
/// <c>promptops rollout &lt;id&gt; &lt;version&gt; --env E --steps 5,25,50,100 --interval 30m --guard "..." --reason R</c> starts a
/// guarded progressive rollout; <c>rollout status</c> shows where rollouts stand; <c>rollout abort</c> stops one and serves
/// the old version again.
/// </summary>
internal static class RolloutCommand
{
    private static readonly string[] Columns = ["Rollout", "Prompt", "Env", "From -> to", "State", "Share", "Steps", "Started", "Next step (UTC)"];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var idArgument = new Argument<string>("id") { Description = "The prompt id." };
        var versionArgument = new Argument<string>("version") { Description = "The published version to roll out." };
        var environmentOption = new Option<string>("--env") { Description = "The environment, for example production.", Required = true };
        var stepsOption = new Option<string>("--steps") { Description = "The share of users given the new version at each step, in percent, ending at 100.", DefaultValueFactory = _ => "5,25,50,100" };
        var intervalOption = new Option<string>("--interval") { Description = "How long each step lasts before the guard decides the next: 30m, 2h, 90s, 1d.", DefaultValueFactory = _ => "30m" };
        var guardOption = new Option<string>("--guard") { Description = "How much worse the new version may be than the old: 'error_rate<=+2pp, cost_per_call<=+20%, p95_latency<=+30%', or 'none'.", DefaultValueFactory = _ => "error_rate<=+2pp" };
        var minimumOption = new Option<int>("--min-calls") { Description = "The fewest calls each version needs in the environment since the rollout started before the guard decides.", DefaultValueFactory = _ => 100 };
        var reasonOption = new Option<string>("--reason") { Description = "Why: recorded with the rollout.", Required = true };
        var byOption = new Option<string?>("--by") { Description = "Who starts the rollout (default: the current user name)." };
        var storeOption = StoreSupport.StoreOption();
        var directoryOption = PromptOpsCli.DirectoryOption();
        var configOption = ActivationSupport.ConfigOption();
        var command = new Command("rollout", "Roll a version out to a growing share of users, guarded: the instances move it step by step, or roll it back by themselves when the guard finds it worse.")
        {
            idArgument,
            versionArgument,
            environmentOption,
            stepsOption,
            intervalOption,
            guardOption,
            minimumOption,
            reasonOption,
            byOption,
            storeOption,
            directoryOption,
            configOption,
        };
        command.Subcommands.Add(Status(output));
        command.Subcommands.Add(Abort(output, error));

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var directory = PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryOption)!);
            var environment = parseResult.GetValue(environmentOption)!;
            if (!RolloutText.TryParseSteps(parseResult.GetValue(stepsOption), out var steps, out var stepsError))
            {
                throw new CliUsageException($"--steps: {stepsError}");
            }

            if (!RolloutText.TryParseDuration(parseResult.GetValue(intervalOption), out var interval))
            {
                throw new CliUsageException($"--interval '{parseResult.GetValue(intervalOption)}' is not a duration. Use for example --interval 30m, 2h, 90s or 1d.");
            }

            var plan = new PromptRolloutPlan { Steps = steps, Interval = interval, Guard = parseResult.GetValue(guardOption)!, MinimumCalls = parseResult.GetValue(minimumOption) };
            await using var session = ActivationSession.Open(PromptLibrary.LoadDirectory(directory), parseResult.GetValue(configOption), parseResult.GetValue(storeOption));
            var store = session.Store;
            var start = await session.TryAsync(
                desk => desk.StartRolloutAsync(parseResult.GetValue(idArgument)!, parseResult.GetValue(versionArgument)!, environment, plan, parseResult.GetValue(reasonOption)!, parseResult.GetValue(byOption), cancellationToken),
                error).ConfigureAwait(false);
            if (start is null)
            {
                return ExitCodes.Failed;
            }

            if (start.Kind == PromptActivationKind.Requested)
            {
                output.WriteLine($"Requested in {store.Name}: rollout {start.Id} of {start.PromptId} {start.FromVersion} -> {parseResult.GetValue(versionArgument)} in {environment} ({plan}).");
                output.WriteLine($"{environment} requires approval (read from {session.SettingsSources}). It starts when someone other than {start.ActivatedBy} approves it:");
                output.WriteLine($"  promptops approve {start.Id} --by <name> --store {store.Hint}");
                return ExitCodes.Success;
            }

            output.WriteLine($"Started in {store.Name}: rollout {start.Id} of {start.PromptId} {start.FromVersion} -> {parseResult.GetValue(versionArgument)} in {environment}: {plan.Steps[0]}% of users now ({start.ToVersion}).");
            output.WriteLine($"Every {RolloutText.Duration(plan.Interval)}, the instances serving {environment} compare the two versions' calls (guard: {plan.Guard}; at least {plan.MinimumCalls} calls each) and take the next step ({string.Join(" -> ", plan.Steps.Select(s => s + "%"))}), or roll back by themselves.");
            output.WriteLine($"Follow it: promptops rollout status --prompt {start.PromptId} --env {environment} --store {store.Hint}");
            output.WriteLine($"Stop it:   promptops rollout abort {start.PromptId} --env {environment} --reason \"...\" --store {store.Hint}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Status(TextWriter output)
    {
        var promptOption = new Option<string?>("--prompt") { Description = "Only this prompt." };
        var environmentOption = new Option<string?>("--env") { Description = "Only this environment." };
        var storeOption = StoreSupport.StoreOption();
        var command = new Command("status", "Show every rollout in the store: where it stands, its next step, and the guard's latest numbers.")
        {
            promptOption,
            environmentOption,
            storeOption,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            await using var store = ActivationSupport.OpenLiveStore(parseResult.GetValue(storeOption));
            var history = await store.Activations.GetHistoryAsync(parseResult.GetValue(promptOption)?.ToLowerInvariant(), parseResult.GetValue(environmentOption), cancellationToken).ConfigureAwait(false);
            var rollouts = RolloutHistory.Read(history);
            if (rollouts.Count == 0)
            {
                output.WriteLine("No rollouts.");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple);
            foreach (var column in Columns)
            {
                table.AddColumn(column);
            }

            foreach (var rollout in rollouts)
            {
                table.AddRow(
                    Markup.Escape(rollout.Id),
                    Markup.Escape(rollout.PromptId),
                    Markup.Escape(rollout.Environment),
                    Markup.Escape($"{rollout.FromVersion} -> {rollout.ToVersion}"),
                    Markup.Escape(StateText(rollout.State)),
                    rollout.Share.ToString(CultureInfo.InvariantCulture) + "%",
                    Markup.Escape(string.Join(',', rollout.Plan.Steps)),
                    Markup.Escape($"{rollout.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm} by {rollout.StartedBy}"),
                    rollout.NextStepAt is { } next ? next.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-");
            }

            StoreSupport.PlainConsole(output).Write(table);
            foreach (var rollout in rollouts)
            {
                output.WriteLine($"{rollout.Id}: {rollout.Plan}");
                if (rollout.LastReason is { } reason)
                {
                    output.WriteLine($"  latest, by {rollout.LastBy} at {rollout.UpdatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z: {reason}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Abort(TextWriter output, TextWriter error)
    {
        var idArgument = new Argument<string>("id") { Description = "The prompt id whose rollout to stop." };
        var environmentOption = new Option<string>("--env") { Description = "The environment.", Required = true };
        var reasonOption = new Option<string>("--reason") { Description = "Why: recorded with the abort.", Required = true };
        var byOption = new Option<string?>("--by") { Description = "Who aborts (default: the current user name)." };
        var storeOption = StoreSupport.StoreOption();
        var directoryOption = PromptOpsCli.DirectoryOption();
        var configOption = ActivationSupport.ConfigOption();
        var command = new Command("abort", "Stop the running rollout of a prompt: everyone is served the version it started from again.")
        {
            idArgument,
            environmentOption,
            reasonOption,
            byOption,
            storeOption,
            directoryOption,
            configOption,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var library = PromptLibrary.LoadDirectory(PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryOption)!));
            await using var session = ActivationSession.Open(library, parseResult.GetValue(configOption), parseResult.GetValue(storeOption));
            var abort = await session.TryAsync(
                desk => desk.AbortRolloutAsync(parseResult.GetValue(idArgument)!, parseResult.GetValue(environmentOption)!, parseResult.GetValue(reasonOption)!, parseResult.GetValue(byOption), cancellationToken),
                error).ConfigureAwait(false);
            if (abort is null)
            {
                return ExitCodes.Failed;
            }

            output.WriteLine($"Aborted in {session.Store.Name}: {abort}");
            output.WriteLine($"Every instance attached to this store serves {abort.PromptId} {abort.ToVersion} to everyone in {abort.Environment} at its next read of the activation log.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static string StateText(PromptRolloutState state) => state switch
    {
        PromptRolloutState.PendingApproval => "awaiting approval",
        PromptRolloutState.Running => "running",
        PromptRolloutState.Completed => "completed",
        PromptRolloutState.RolledBack => "rolled back by guard",
        PromptRolloutState.Aborted => "aborted",
        _ => "superseded",
    };
}
