using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PromptOps.Cli.Lifecycle;

/// <summary>
/// A prompt version as plain text in a fixed order (about, model, budget, skills, inputs, messages), so two versions can be
/// compared line by line no matter how their YAML is laid out.
/// </summary>
internal static class PromptReviewText
{
    /// <summary>The whole text, metadata included.</summary>
    public static string Of(PromptDefinition prompt)
    {
        var text = new StringBuilder();
        Section(text, "about");
        Line(text, "description", prompt.Description);
        Line(text, "owner", prompt.Owner);
        Line(text, "tested_on", prompt.TestedOn.Count > 0 ? string.Join(", ", prompt.TestedOn) : null);
        Line(text, "changelog", prompt.Changelog);
        text.Append(Behaviour(prompt));
        return text.ToString();
    }

    /// <summary>
    /// Only what changes what the model sees or what the call is allowed: feature, model settings, budget, skills, inputs and
    /// messages. Two versions with equal behaviour text are the same prompt, whatever their description or changelog says.
    /// </summary>
    public static string Behaviour(PromptDefinition prompt)
    {
        var text = new StringBuilder();
        Section(text, "attribution");
        Line(text, "feature", prompt.Feature);

        Section(text, "model");
        var model = prompt.Model;
        Line(text, "id", model.ModelId);
        Line(text, "temperature", model.Temperature?.ToString(CultureInfo.InvariantCulture));
        Line(text, "top_p", model.TopP?.ToString(CultureInfo.InvariantCulture));
        Line(text, "max_output_tokens", model.MaxOutputTokens?.ToString(CultureInfo.InvariantCulture));
        Line(text, "response_format", model.ResponseFormat?.ToString().ToLowerInvariant());

        Section(text, "budget");
        Line(text, "max_tokens_per_request", prompt.Budget.MaxTokensPerRequest?.ToString(CultureInfo.InvariantCulture));

        Section(text, "skills");
        foreach (var skill in prompt.Skills)
        {
            text.Append(skill).Append('\n');
        }

        Section(text, "inputs");
        foreach (var input in prompt.Inputs)
        {
            text.Append(input.Name).Append(": ").Append(input.Type.ToString().ToLowerInvariant());
            if (input.Required)
            {
                text.Append(", required");
            }

            if (input.HasDefault)
            {
                text.Append(", default ").Append(JsonSerializer.Serialize(input.DefaultValue));
            }

            if (input.MaxLength is { } maxLength)
            {
                text.Append(CultureInfo.InvariantCulture, $", max_length {maxLength}");
            }

            text.Append('\n');
        }

        Section(text, "messages");
        for (var i = 0; i < prompt.Messages.Count; i++)
        {
            var message = prompt.Messages[i];
            text.Append(CultureInfo.InvariantCulture, $"### message {i + 1}: {message.Role.Value}\n");
            text.Append(message.Template.ReplaceLineEndings("\n").TrimEnd('\n')).Append('\n');
        }

        return text.ToString();
    }

    private static void Section(StringBuilder text, string name) => text.Append("## ").Append(name).Append('\n');

    private static void Line(StringBuilder text, string name, string? value)
    {
        if (value is not null)
        {
            text.Append(name).Append(": ").Append(value.ReplaceLineEndings(" ").Trim()).Append('\n');
        }
    }
}
