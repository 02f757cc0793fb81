using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>Adds <see cref="TokenBudgetChatClient"/> to a chat client pipeline.</summary>
public static class TokenBudgetChatClientBuilderExtensions
{
    /// <summary>Enforces per-request token budgets before calls are sent (see <see cref="TokenBudgetChatClient"/>).</summary>
    /// <param name="builder">The chat client builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// Settings come from <c>services.AddPromptOps(...)</c> when the pipeline is built from a service provider (for example with
    /// <c>services.AddChatClient(...)</c>); without one, the defaults apply. Prefer <c>UsePromptOps()</c>, which adds all three
    /// PromptOps layers in the right order.
    /// </remarks>
    public static ChatClientBuilder UseTokenBudget(this ChatClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((innerClient, services) => new TokenBudgetChatClient(innerClient, PromptOpsCallServices.From(services)));
    }
}
