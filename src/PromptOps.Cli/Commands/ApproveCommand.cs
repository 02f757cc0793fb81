using System.CommandLine;

namespace PromptOps.Cli.Commands;

/// <summary>
/// <c>promptops approve &lt;activation-id&gt; --by &lt;name&gt; [--store S] [--dir D]</c>: makes a request recorded in an
/// environment that requires approval live, unless its requester approves it, it was approved already, or something later
/// superseded it.
/// </summary>
internal static class ApproveCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var idArgument = new Argument<string>("activation-id") { Description = "The id of the request, as printed by 'promptops activate' or 'promptops rollout' and listed by 'promptops labels --history'." };
        var byOption = new Option<string>("--by") { Description = "Who approves: recorded, and never the requester.", Required = true };
        var storeOption = StoreSupport.StoreOption();
        var directoryOption = PromptOpsCli.DirectoryOption();
        var configOption = ActivationSupport.ConfigOption();
        var command = new Command("approve", "Approve a pending activation or rollout in an environment that requires approval; it goes live on every instance attached to the store.")
        {
            idArgument,
            byOption,
            storeOption,
            directoryOption,
            configOption,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var library = PromptLibrary.LoadDirectory(PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryOption)!));
            await using var session = ActivationSession.Open(library, parseResult.GetValue(configOption), parseResult.GetValue(storeOption));
            var store = session.Store;
            if (await session.TryAsync(desk => desk.ApproveAsync(parseResult.GetValue(idArgument)!, parseResult.GetValue(byOption)!, cancellationToken), error).ConfigureAwait(false) is not { } approval)
            {
                return ExitCodes.Failed;
            }

            output.WriteLine($"Approved in {store.Name}: {approval}");
            output.WriteLine(approval.Rollout is null
                ? $"Every instance attached to this store serves {approval.PromptId} {approval.ToVersion} in {approval.Environment} at its next read of the activation log."
                : $"Rollout {approval.Id} of {approval.PromptId} has started in {approval.Environment} ({approval.ToVersion}). Follow it with: promptops rollout status --prompt {approval.PromptId} --env {approval.Environment} --store {store.Hint}");
            return ExitCodes.Success;
        });
        return command;
    }
}
