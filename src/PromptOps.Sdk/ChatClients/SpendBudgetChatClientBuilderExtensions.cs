using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>Adds <see cref="SpendBudgetChatClient"/> to a chat client pipeline.</summary>
public static class SpendBudgetChatClientBuilderExtensions
{
    /// <summary>Enforces the spend budgets of <c>PromptOps:Spending</c> on every call. <c>UsePromptOps()</c> includes it.</summary>
    /// <param name="builder">The chat client builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static ChatClientBuilder UseSpendBudget(this ChatClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((innerClient, services) => new SpendBudgetChatClient(innerClient, PromptOpsCallServices.From(services)));
    }
}
