using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>Adds the PromptOps middleware (<see cref="PromptOpsChatClient"/>) to a chat client pipeline, whole or one feature at a time.</summary>
/// <remarks>
/// Settings come from <c>services.AddPromptOps(...)</c> when the pipeline is built from a service provider (for example with
/// <c>services.AddChatClient(...)</c>); without one, the defaults apply. Features added next to each other
/// (<c>.UseTokenBudget().UseCostTracking()</c>) become one client; a feature's steps always run in the order
/// <see cref="PromptOpsChatClient"/> describes, whatever the order of the calls.
/// </remarks>
public static class PromptOpsChatClientBuilderExtensions
{
    /// <summary>
    /// Adds every PromptOps feature: token budgets, spend budgets, cost tracking and call records with telemetry
    /// (<see cref="PromptOpsFeatures.All"/>).
    /// </summary>
    /// <param name="builder">The chat client builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// <para>Place it after <c>UseFunctionInvocation()</c> so that each model round trip of a tool-calling loop is budgeted,
    /// priced and recorded on its own, and after <c>UseOpenTelemetry()</c> so that PromptOps adds its attributes to that span
    /// instead of starting a second one:</para>
    /// <code>
    /// services.AddChatClient(provider)
    ///     .UseFunctionInvocation()
    ///     .UseOpenTelemetry()
    ///     .UsePromptOps();
    /// </code>
    /// </remarks>
    public static ChatClientBuilder UsePromptOps(this ChatClientBuilder builder) => builder.UsePromptOps(PromptOpsFeatures.All);

    /// <summary>Records every call to the registered sinks, traces and measures it (<see cref="PromptOpsFeatures.CallLogging"/>).</summary>
    /// <param name="builder">The chat client builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static ChatClientBuilder UseCallLogging(this ChatClientBuilder builder) => builder.UsePromptOps(PromptOpsFeatures.CallLogging);

    /// <summary>Enforces per-request token budgets before calls are sent (<see cref="PromptOpsFeatures.TokenBudget"/>).</summary>
    /// <param name="builder">The chat client builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static ChatClientBuilder UseTokenBudget(this ChatClientBuilder builder) => builder.UsePromptOps(PromptOpsFeatures.TokenBudget);

    /// <summary>Enforces the spend budgets of <c>PromptOps:Spending</c> on every call (<see cref="PromptOpsFeatures.SpendBudget"/>).</summary>
    /// <param name="builder">The chat client builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static ChatClientBuilder UseSpendBudget(this ChatClientBuilder builder) => builder.UsePromptOps(PromptOpsFeatures.SpendBudget);

    /// <summary>Prices every call and returns its cost on the response (<see cref="PromptOpsFeatures.CostTracking"/>).</summary>
    /// <param name="builder">The chat client builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static ChatClientBuilder UseCostTracking(this ChatClientBuilder builder) => builder.UsePromptOps(PromptOpsFeatures.CostTracking);

    /// <summary>Adds the PromptOps features given.</summary>
    /// <param name="builder">The chat client builder.</param>
    /// <param name="features">The features, for example <c>PromptOpsFeatures.CallLogging | PromptOpsFeatures.CostTracking</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="features"/> has a value that is not a <see cref="PromptOpsFeatures"/> flag.</exception>
    public static ChatClientBuilder UsePromptOps(this ChatClientBuilder builder, PromptOpsFeatures features)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if ((features & ~PromptOpsFeatures.All) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(features), features, $"'{features}' is not a combination of PromptOpsFeatures values. Combine CallLogging, TokenBudget, SpendBudget and CostTracking, or use All.");
        }

        return builder.Use((innerClient, services) => innerClient is PromptOpsChatClient next
            ? new PromptOpsChatClient(next.Next, PromptOpsCallServices.From(services), features | next.Features)
            : new PromptOpsChatClient(innerClient, PromptOpsCallServices.From(services), features));
    }
}
