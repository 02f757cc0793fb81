using System.CommandLine;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PromptOps.Cli.Commands;

/// <summary><c>promptops render &lt;id&gt;[@version] --input F [--dir D] [--format text|json]</c>.</summary>
internal static class RenderCommand
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var promptArgument = new Argument<string>("prompt") { Description = "The prompt id, optionally with an exact version: customer-support or customer-support@2.1.0." };
        var inputOption = new Option<FileInfo?>("--input") { Description = "A JSON or YAML file with the input values." };
        var directoryOption = PromptOpsCli.DirectoryOption();
        var formatOption = new Option<string>("--format") { Description = "Output format.", DefaultValueFactory = _ => "text" };
        formatOption.AcceptOnlyFromAmong("text", "json");
        var command = new Command("render", "Render a prompt with inputs and print the messages and options.")
        {
            promptArgument,
            inputOption,
            directoryOption,
            formatOption,
        };

        command.SetAction(parseResult =>
        {
            var directory = PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryOption)!);
            var (id, version) = SplitReference(parseResult.GetValue(promptArgument)!);
            var inputs = parseResult.GetValue(inputOption) is { } inputFile ? ReadInputs(inputFile) : new Dictionary<string, object?>();

            var library = PromptLibrary.LoadDirectory(directory);
            if (library.HasErrors)
            {
                foreach (var diagnostic in library.Diagnostics.Where(d => d.IsError))
                {
                    error.WriteLine(diagnostic);
                }

                error.WriteLine("The prompt library has errors; fix them first ('promptops lint' lists them all).");
                return ExitCodes.Failed;
            }

            var prompt = version is null ? library.FindDefault(id, allowDrafts: false) : library.FindVersion(id, version);
            if (prompt is null)
            {
                error.WriteLine($"error: {PromptNotFoundException.For(library, id, version).Message}");
                return ExitCodes.Failed;
            }

            RenderedPrompt rendered;
            try
            {
                rendered = prompt.Render(inputs);
            }
            catch (PromptRenderException ex)
            {
                error.WriteLine($"error {ex.Code}: {ex.Message}");
                return ExitCodes.Failed;
            }

            output.Write(parseResult.GetValue(formatOption) == "json" ? ToJson(rendered) + Environment.NewLine : rendered.ToString());
            return ExitCodes.Success;
        });
        return command;
    }

    private static (string Id, string? Version) SplitReference(string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return (reference, null);
        }

        var version = reference[(at + 1)..];
        return PromptVersion.TryParse(version, out _)
            ? (reference[..at], version)
            : throw new CliUsageException($"'{version}' in '{reference}' is not a SemVer version. Write the prompt as id@major.minor.patch, for example customer-support@2.1.0.");
    }

    private static IReadOnlyDictionary<string, object?> ReadInputs(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new CliUsageException($"The input file '{file.FullName}' does not exist. Pass a JSON or YAML file with --input.");
        }

        var text = File.ReadAllText(file.FullName);
        var isJson = file.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase);
        try
        {
            if (isJson)
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.ValueKind == JsonValueKind.Object
                    ? document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
                    : throw new CliUsageException($"The input file '{file.Name}' must hold a JSON object of input names and values, for example {{\"question\": \"...\"}}.");
            }

            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.Count == 0
                ? new Dictionary<string, object?>()
                : YamlValues.ToClr(stream.Documents[0].RootNode) as Dictionary<string, object?>
                    ?? throw new CliUsageException($"The input file '{file.Name}' must hold a YAML mapping of input names and values, for example 'question: ...'.");
        }
        catch (JsonException ex)
        {
            throw new CliUsageException($"The input file '{file.Name}' is not valid JSON: {ex.Message} Fix the file, or use a .yaml file.");
        }
        catch (YamlException ex)
        {
            throw new CliUsageException($"{file.Name}({ex.Start.Line},{ex.Start.Column}): the input file is not valid YAML: {(ex.InnerException ?? ex).Message}");
        }
    }

    private static string ToJson(RenderedPrompt rendered)
    {
        var options = rendered.Options;
        var document = new
        {
            prompt = new { id = rendered.Prompt.Id, version = rendered.Prompt.Version, feature = rendered.Prompt.Feature, variant = rendered.Prompt.Variant },
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
