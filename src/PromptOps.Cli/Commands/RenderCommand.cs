using System.CommandLine;
using System.Text.Json;

namespace PromptOps.Cli.Commands;

/// <summary><c>promptops render &lt;id&gt;[@version] --input F [--label L [--user U]] [--dir D] [--format text|json]</c>.</summary>
internal static class RenderCommand
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var promptArgument = new Argument<string>("prompt") { Description = "The prompt id, optionally with an exact version: customer-support or customer-support@2.1.0." };
        var inputOption = new Option<FileInfo?>("--input") { Description = "A JSON or YAML file with the input values." };
        var directoryOption = PromptOpsCli.DirectoryOption();
        var labelOption = new Option<string?>("--label") { Description = "Render the version this environment's label serves (labels.yaml), for example --label staging." };
        var userOption = new Option<string?>("--user") { Description = "The user id that picks the variant when the label splits traffic." };
        var formatOption = new Option<string>("--format") { Description = "Output format.", DefaultValueFactory = _ => "text" };
        formatOption.AcceptOnlyFromAmong("text", "json");
        var command = new Command("render", "Render a prompt with inputs and print the messages and options.")
        {
            promptArgument,
            inputOption,
            directoryOption,
            labelOption,
            userOption,
            formatOption,
        };

        command.SetAction(parseResult =>
        {
            if (!RenderSupport.TryRender(parseResult.GetValue(directoryOption)!, parseResult.GetValue(promptArgument)!, parseResult.GetValue(inputOption), error, out var rendered, out _, parseResult.GetValue(labelOption), parseResult.GetValue(userOption)))
            {
                return ExitCodes.Failed;
            }

            output.Write(parseResult.GetValue(formatOption) == "json" ? ToJson(rendered) + Environment.NewLine : rendered.ToString());
            return ExitCodes.Success;
        });
        return command;
    }

    private static string ToJson(RenderedPrompt rendered)
    {
        var options = rendered.Options;
        var document = new
        {
            prompt = new { id = rendered.Prompt.Id, version = rendered.Prompt.Version, feature = rendered.Prompt.Feature, variant = rendered.Prompt.Variant, label = rendered.Prompt.Label },
            messages = rendered.Messages.Select(m => new { role = m.Role.Value, content = m.Text }),
            options = new
            {
                model = options.ModelId,
                temperature = options.Temperature,
                top_p = options.TopP,
                max_output_tokens = options.MaxOutputTokens,
                response_format = RenderedPrompt.FormatName(options.ResponseFormat),
            },
        };
        return JsonSerializer.Serialize(document, s_json);
    }
}
