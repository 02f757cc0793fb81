using System.Globalization;
using System.Text;
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

    /// <summary>
    /// Returns a stable, human-readable text form (prompt reference, each message under its role, then the options)
    /// that suits snapshot tests and <c>promptops render</c>. Line endings are normalised to <c>\n</c>.
    /// </summary>
    /// <returns>The text form.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# {Prompt}");
        if (Prompt.Label is not null || Prompt.Variant is not null)
        {
            var parts = new[] { Prompt.Label is null ? null : "label " + Prompt.Label, Prompt.Variant is null ? null : "variant " + Prompt.Variant };
            text.Append(" (").AppendJoin(", ", parts.OfType<string>()).Append(')');
        }

        text.Append('\n');
        foreach (var message in Messages)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n--- {message.Role.Value} ---\n");
            text.Append(message.Text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n')).Append('\n');
        }

        text.Append("\n--- options ---\n");
        AppendOption(text, "model", Options.ModelId);
        AppendOption(text, "temperature", Options.Temperature?.ToString(CultureInfo.InvariantCulture));
        AppendOption(text, "top_p", Options.TopP?.ToString(CultureInfo.InvariantCulture));
        AppendOption(text, "max_output_tokens", Options.MaxOutputTokens?.ToString(CultureInfo.InvariantCulture));
        AppendOption(text, "response_format", FormatName(Options.ResponseFormat));
        AppendOption(text, "feature", Prompt.Feature);
        return text.ToString();
    }

    /// <summary>The prompt-file name of a response format (<c>text</c> or <c>json</c>), or <see langword="null"/>.</summary>
    internal static string? FormatName(ChatResponseFormat? format) => format switch
    {
        ChatResponseFormatJson => "json",
        ChatResponseFormatText => "text",
        _ => null,
    };

    private static void AppendOption(StringBuilder text, string name, string? value)
    {
        if (value is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\n");
        }
    }
}
