using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>Adds the whole PromptOps middleware stack to a chat client pipeline.</summary>
public static class PromptOpsChatClientBuilderExtensions
{
    /// <summary>
    /// Adds call logging, token budgets, spend budgets and cost tracking, in that order from the outside in:
    /// <see cref="CallLoggingChatClient"/> (outermost: its record and span cover the whole call, rejections included),
    /// <see cref="TokenBudgetChatClient"/> (checks the request before anything is sent),
    /// <see cref="SpendBudgetChatClient"/> (reserves the worst-case cost, after the token budget has clamped the output) and
    /// <see cref="CostTrackingChatClient"/> (innermost: prices exactly what the provider reports).
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
    public static ChatClientBuilder UsePromptOps(this ChatClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // One set of services for the four layers; the outermost runs a call through all four in one pass.
        return builder.Use((innerClient, services) => FusedPromptOpsCall.Build(innerClient, PromptOpsCallServices.From(services)));
    }
}
