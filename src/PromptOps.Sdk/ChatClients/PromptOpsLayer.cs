using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>
/// What every PromptOps chat client needs per call: the shared services, the inner client's metadata (read once, by the
/// layer that starts a call's state) and the entry into that state.
/// </summary>
internal sealed class PromptOpsLayer(IChatClient innerClient, PromptOpsCallServices services)
{
    private readonly Lazy<ChatClientMetadata?> _metadata = new(() => innerClient.GetService<ChatClientMetadata>());

    /// <summary>Materialises the messages once and finds or starts the call's state (see <see cref="PromptCallState.Enter"/>).</summary>
    public PromptCallState Enter(object layer, IEnumerable<ChatMessage> messages, ref ChatOptions? options, bool streaming, out IList<ChatMessage> list, out bool owner)
    {
        list = messages as IList<ChatMessage> ?? [.. messages];
        return PromptCallState.Enter(ref options, list, layer, _metadata, streaming, services.TimeProvider, out owner);
    }
}
