using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace PromptOps.Testing;

/// <summary>Turns a <see cref="RenderedPrompt"/> into stable text for snapshot tests (Snapshooter, Verify, plain files).</summary>
public static class RenderedPromptSnapshotExtensions
{
    /// <summary>
    /// Returns the stable, human-readable text form of a rendered prompt: the prompt reference, each message under its role,
    /// then the options (model, temperature, top_p, max_output_tokens, response_format, feature) and the tool names when tools
    /// are attached.
    /// </summary>
    /// <remarks>
    /// Line endings are <c>\n</c> on every platform and numbers use the invariant culture, so the text is the same on
    /// Windows, Linux and macOS and under any locale. Only what the model receives (and the reference) is included, never
    /// object identities or timestamps, so the text changes exactly when a prompt edit changes the request.
    /// </remarks>
    /// <param name="rendered">The rendered prompt.</param>
    /// <returns>The text form.</returns>
    public static string ToSnapshotText(this RenderedPrompt rendered)
    {
        ArgumentNullException.ThrowIfNull(rendered);
        var text = new StringBuilder(rendered.ToString());
        if (rendered.Options.Tools is { Count: > 0 } tools)
        {
            text.Append("\n--- tools ---\n");
            foreach (var tool in tools)
            {
                text.Append(tool.Name);
                if (!string.IsNullOrWhiteSpace(tool.Description))
                {
                    text.Append(": ").Append(tool.Description.ReplaceLineEndings(" "));
                }

                text.Append('\n');
            }
        }

        return text.ToString();
    }
}

/// <summary>The shared serializer setting for values compared as JSON text.</summary>
internal static class JsonValueText
{
    public static readonly JsonSerializerOptions Options = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };
}
