using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>Adds <see cref="CostTrackingChatClient"/> to a chat client pipeline.</summary>
public static class CostTrackingChatClientBuilderExtensions
{
    /// <summary>Prices every call and returns its cost on the response (see <see cref="CostTrackingChatClient"/>).</summary>
    /// <param name="builder">The chat client builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// Settings come from <c>services.AddPromptOps(...)</c> when the pipeline is built from a service provider (for example with
    /// <c>services.AddChatClient(...)</c>); without one, the defaults apply. Prefer <c>UsePromptOps()</c>, which adds all three
    /// PromptOps layers in the right order.
    /// </remarks>
    public static ChatClientBuilder UseCostTracking(this ChatClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((innerClient, services) => new CostTrackingChatClient(innerClient, PromptOpsCallServices.From(services)));
    }
}
