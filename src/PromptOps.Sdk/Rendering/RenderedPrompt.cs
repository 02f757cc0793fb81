using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>
/// The result of rendering a prompt: chat messages whose roles come from the prompt file, chat options built from
/// its model settings, and the reference of the version that produced them.
/// </summary>
/// <remarks>Each render returns new message and option objects, so callers may change them freely.</remarks>
public sealed class RenderedPrompt
{
    internal RenderedPrompt(IList<ChatMessage> messages, ChatOptions options, PromptReference prompt)
    {
        Messages = messages;
        Options = options;
        Prompt = prompt;
    }

    /// <summary>Gets the rendered messages, in file order.</summary>
    public IList<ChatMessage> Messages { get; }

    /// <summary>
    /// Gets the chat options: model id, temperature, top-p, max output tokens and response format from the file, and the
    /// <see cref="PromptReference"/> under the keys of <see cref="PromptOpsChatOptionKeys"/> in <c>AdditionalProperties</c>.
    /// </summary>
    public ChatOptions Options { get; }

    /// <summary>Gets which prompt version produced this result.</summary>
    public PromptReference Prompt { get; }
}
