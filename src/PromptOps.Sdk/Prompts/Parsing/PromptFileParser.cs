using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using YamlDotNet.RepresentationModel;

namespace PromptOps;

/// <summary>
/// Turns the text of one prompt file into a <see cref="PromptDefinition"/>, reporting every problem it finds
/// (not only the first) as diagnostics with line and column.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static partial class PromptFileParser
{
    /// <summary>Prompt files are small; anything larger is almost certainly a mistake or an attack.</summary>
    internal const int MaxFileLength = 1024 * 1024;

    private static readonly string[] s_topLevelKeys =
        ["id", "version", "status", "description", "owner", "feature", "tested_on", "changelog", "model", "budget", "skills", "inputs", "messages"];

    private static readonly string[] s_modelKeys = ["id", "temperature", "top_p", "max_output_tokens", "response_format"];
    private static readonly string[] s_budgetKeys = ["max_tokens_per_request"];
    private static readonly string[] s_inputKeys = ["type", "required", "default", "max_length", "description"];
    private static readonly string[] s_messageKeys = ["role", "content"];

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    internal static partial Regex PromptIdPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex InputNamePattern();

    internal static string TypeName(PromptInputType type) => type.ToString().ToLowerInvariant();

    /// <summary>Parses one prompt file at <c>&lt;id&gt;/&lt;version&gt;.yaml</c>.</summary>
    /// <param name="file">The file.</param>
    /// <param name="diagnostics">Receives every problem found.</param>
    /// <param name="valid">Whether the file has no error: only then may the definition be served.</param>
    /// <returns>
    /// The definition, also when a value in it is wrong (a temperature of 3), so that its templates can still be checked and
    /// every problem of the file reported in one run; <see langword="null"/> when the file cannot be read that far.
    /// </returns>
    public static PromptDefinition? Parse(PromptSourceFile file, ICollection<PromptDiagnostic> diagnostics, out bool valid)
    {
        var context = new ParseContext(file, diagnostics);
        var definition = context.Parse();
        valid = definition is not null && !context.HasErrors;
        return definition;
    }

    private sealed class ParseContext(PromptSourceFile file, ICollection<PromptDiagnostic> diagnostics)
    {
        private readonly string[] _lines = file.Content.Split('\n');
        private readonly YamlFileReader _reader = new(file.DisplayPath, diagnostics, PromptDiagnosticCodes.InvalidValue);

        public bool HasErrors => _reader.HasErrors;

        public PromptDefinition? Parse()
        {
            var (expectedId, expectedVersionText) = SplitPath(file.RelativePath);
            if (!PromptVersion.TryParse(expectedVersionText, out var fileVersion))
            {
                Error(PromptDiagnosticCodes.InvalidVersion, $"The file name '{expectedVersionText}.yaml' is not a SemVer 2.0 version. Name version files major.minor.patch, for example '1.0.0.yaml'.");
            }

            if (!PromptIdPattern().IsMatch(expectedId))
            {
                Error(PromptDiagnosticCodes.IdMismatch, $"The folder name '{expectedId}' is not a valid prompt id. Use lowercase kebab-case, for example 'customer-support'.");
            }

            if (file.Content.Length > MaxFileLength)
            {
                Error(PromptDiagnosticCodes.YamlTooLarge, $"The file is {file.Content.Length:N0} characters long, over the limit of {MaxFileLength:N0}. Split it or move long text into a partial.");
                return null;
            }

            var root = LoadRoot();
            if (root is null)
            {
                return null;
            }

            var values = new Dictionary<string, (YamlScalarNode Key, YamlNode Value)>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in root.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key } scalarKey)
                {
                    Error(PromptDiagnosticCodes.YamlSyntax, "Keys of a prompt file must be plain names. Use 'key: value' pairs at the top level.", keyNode);
                    continue;
                }

                if (!s_topLevelKeys.Contains(key, StringComparer.Ordinal))
                {
                    _reader.WarnUnknownKey(scalarKey, s_topLevelKeys, "The prompt file");
                    continue;
                }

                values[key] = (scalarKey, valueNode);
            }

            var id = expectedId;
            if (values.TryGetValue("id", out var idEntry) && ReadString(idEntry.Value, "id") is { } declaredId && declaredId != expectedId)
            {
                Error(PromptDiagnosticCodes.IdMismatch, $"The id '{declaredId}' does not match the folder name '{expectedId}'. Rename the folder or change the id so they are equal.", idEntry.Value);
            }

            var version = fileVersion;
            if (values.TryGetValue("version", out var versionEntry) && ReadString(versionEntry.Value, "version") is { } declaredVersion)
            {
                if (!PromptVersion.TryParse(declaredVersion, out var parsed))
                {
                    Error(PromptDiagnosticCodes.InvalidVersion, $"The version '{declaredVersion}' is not a SemVer 2.0 version. Write it as major.minor.patch, for example '2.1.0'.", versionEntry.Value);
                }
                else if (fileVersion is not null && parsed != fileVersion)
                {
                    Error(PromptDiagnosticCodes.InvalidVersion, $"The version '{declaredVersion}' does not match the file name '{expectedVersionText}.yaml'. Rename the file or change the version so they are equal.", versionEntry.Value);
                }
            }

            var status = PromptStatus.Draft;
            if (values.TryGetValue("status", out var statusEntry) && ReadString(statusEntry.Value, "status") is { } statusText)
            {
                status = statusText switch
                {
                    "draft" => PromptStatus.Draft,
                    "published" => PromptStatus.Published,
                    "deprecated" => PromptStatus.Deprecated,
                    _ => Invalid(PromptStatus.Draft, $"The status '{statusText}' is not valid. Use 'draft', 'published' or 'deprecated'.", statusEntry.Value),
                };
            }

            var feature = Optional(values, "feature") is { } featureNode ? ReadString(featureNode, "feature") ?? id : id;
            var model = values.TryGetValue("model", out var modelEntry) ? ReadModel(modelEntry.Value) : PromptModelSettings.Empty;
            var budget = values.TryGetValue("budget", out var budgetEntry) ? ReadBudget(budgetEntry.Value) : PromptBudget.None;
            var inputs = values.TryGetValue("inputs", out var inputsEntry) ? ReadInputs(inputsEntry.Value) : [];
            var messages = values.TryGetValue("messages", out var messagesEntry) ? ReadMessages(messagesEntry.Value) : null;
            if (messages is null)
            {
                Error(PromptDiagnosticCodes.EmptyMessages, "The prompt has no 'messages'. Add a 'messages:' list with at least one entry that has a 'role' and a 'content'.", root);
                messages = [];
            }

            if (version is null)
            {
                return null;
            }

            return new PromptDefinition(
                id,
                version,
                status,
                Optional(values, "description") is { } description ? ReadString(description, "description") : null,
                Optional(values, "owner") is { } owner ? ReadString(owner, "owner") : null,
                string.IsNullOrWhiteSpace(feature) ? id : feature,
                Optional(values, "tested_on") is { } testedOn ? _reader.TextList(testedOn, "tested_on", "The prompt") : [],
                Optional(values, "changelog") is { } changelog ? ReadString(changelog, "changelog") : null,
                model,
                budget,
                Optional(values, "skills") is { } skills ? _reader.TextList(skills, "skills", "The prompt") : [],
                inputs,
                messages,
                file.DisplayPath);
        }

        private static YamlNode? Optional(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> values, string key) =>
            values.TryGetValue(key, out var entry) ? entry.Value : null;

        private static (string Id, string Version) SplitPath(string relativePath)
        {
            var slash = relativePath.LastIndexOf('/');
            var folder = slash < 0 ? string.Empty : relativePath[..slash];
            var parent = folder.LastIndexOf('/');
            var id = parent < 0 ? folder : folder[(parent + 1)..];
            var name = relativePath[(slash + 1)..];
            return (id, name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) ? name[..^5] : name);
        }

        private YamlMappingNode? LoadRoot()
        {
            var root = _reader.LoadRoot(file.Content, "The prompt file", MaxFileLength, PromptDiagnosticCodes.YamlSyntax, PromptDiagnosticCodes.YamlTooLarge);
            if (root is YamlMappingNode mapping)
            {
                return mapping;
            }

            if (!HasErrors)
            {
                _reader.Error(1, 1, "A prompt file must be a YAML mapping with keys such as 'id', 'version' and 'messages'. Start the file with 'messages:' or another key.", PromptDiagnosticCodes.YamlSyntax);
            }

            return null;
        }

        private PromptModelSettings ReadModel(YamlNode node)
        {
            if (AsMapping(node, "The 'model' section") is not { } mapping)
            {
                return PromptModelSettings.Empty;
            }

            string? modelId = null;
            float? temperature = null, topP = null;
            int? maxOutputTokens = null;
            PromptResponseFormat? format = null;
            foreach (var (key, value) in Entries(mapping, s_modelKeys, "The 'model' section"))
            {
                switch (key)
                {
                    case "id":
                        modelId = ReadString(value, "model.id");
                        break;
                    case "temperature":
                        temperature = ReadFloat(value, "model.temperature", 0, 2);
                        break;
                    case "top_p":
                        topP = ReadFloat(value, "model.top_p", 0, 1);
                        break;
                    case "max_output_tokens":
                        maxOutputTokens = ReadPositiveInt(value, "model.max_output_tokens");
                        break;
                    case "response_format":
                        format = ReadString(value, "model.response_format") switch
                        {
                            null => null,
                            "text" => PromptResponseFormat.Text,
                            "json" => PromptResponseFormat.Json,
                            var other => Invalid<PromptResponseFormat?>(null, $"The response format '{other}' is not valid. Use 'text' or 'json'.", value),
                        };
                        break;
                }
            }

            return new PromptModelSettings(modelId, temperature, topP, maxOutputTokens, format);
        }

        private PromptBudget ReadBudget(YamlNode node)
        {
            if (AsMapping(node, "The 'budget' section") is not { } mapping)
            {
                return PromptBudget.None;
            }

            int? maxTokens = null;
            foreach (var (_, value) in Entries(mapping, s_budgetKeys, "The 'budget' section"))
            {
                maxTokens = ReadPositiveInt(value, "budget.max_tokens_per_request");
            }

            return new PromptBudget(maxTokens);
        }

        private List<PromptInputDefinition> ReadInputs(YamlNode node)
        {
            var inputs = new List<PromptInputDefinition>();
            if (AsMapping(node, "The 'inputs' section") is not { } mapping)
            {
                return inputs;
            }

            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                var name = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                if (!InputNamePattern().IsMatch(name))
                {
                    Error(PromptDiagnosticCodes.InvalidInput, $"The input name '{name}' is not valid. Use letters, digits and underscores, starting with a letter, for example 'company_name'.", keyNode);
                    continue;
                }

                if (ReadInput(name, valueNode) is { } input)
                {
                    inputs.Add(input);
                }
            }

            return inputs;
        }

        private PromptInputDefinition? ReadInput(string name, YamlNode node)
        {
            // Shorthand: "question: string".
            if (node is YamlScalarNode shorthand)
            {
                return ParseInputType(shorthand.Value, node, name) is { } shorthandType
                    ? new PromptInputDefinition(name, shorthandType, required: false, hasDefault: false, null, null, null, (int)node.Start.Line, (int)node.Start.Column)
                    : null;
            }

            if (AsMapping(node, $"Input '{name}'") is not { } mapping)
            {
                return null;
            }

            var type = PromptInputType.String;
            var required = false;
            YamlNode? defaultNode = null;
            int? maxLength = null;
            YamlNode? maxLengthNode = null;
            string? description = null;
            foreach (var (key, value) in Entries(mapping, s_inputKeys, $"Input '{name}'"))
            {
                switch (key)
                {
                    case "type":
                        type = ParseInputType(ReadString(value, $"inputs.{name}.type"), value, name) ?? type;
                        break;
                    case "required":
                        required = _reader.Bool(value, $"inputs.{name}.required") ?? false;
                        break;
                    case "default":
                        defaultNode = value;
                        break;
                    case "max_length":
                        maxLength = ReadPositiveInt(value, $"inputs.{name}.max_length");
                        maxLengthNode = value;
                        break;
                    case "description":
                        description = ReadString(value, $"inputs.{name}.description");
                        break;
                }
            }

            if (maxLengthNode is not null && type != PromptInputType.String)
            {
                Error(PromptDiagnosticCodes.InvalidInput, $"The input '{name}' has type '{TypeName(type)}', but 'max_length' applies only to strings. Remove 'max_length' or make the input a string.", maxLengthNode);
            }

            object? defaultValue = null;
            if (defaultNode is not null)
            {
                defaultValue = YamlValues.ToClr(defaultNode);
                if (!InputBinder.MatchesType(defaultValue, type))
                {
                    Error(PromptDiagnosticCodes.InvalidInput, $"The default value of input '{name}' is not a {TypeName(type)}. Change the default or the declared type.", defaultNode);
                }
                else if (required)
                {
                    _reader.Warn(defaultNode, $"The input '{name}' is required and also has a default, which is never used. Remove 'required: true' or the default.", PromptDiagnosticCodes.InvalidInput);
                }
            }

            return new PromptInputDefinition(name, type, required, defaultNode is not null, defaultValue, maxLength, description, (int)node.Start.Line, (int)node.Start.Column);
        }

        private PromptInputType? ParseInputType(string? text, YamlNode node, string name) => text switch
        {
            null => null,
            "string" => PromptInputType.String,
            "number" => PromptInputType.Number,
            "integer" => PromptInputType.Integer,
            "boolean" => PromptInputType.Boolean,
            "array" => PromptInputType.Array,
            "object" => PromptInputType.Object,
            _ => Invalid<PromptInputType?>(null, $"The type '{text}' of input '{name}' is not valid. Use string, number, integer, boolean, array or object.", node, PromptDiagnosticCodes.InvalidInput),
        };

        private List<PromptMessageTemplate>? ReadMessages(YamlNode node)
        {
            if (node is not YamlSequenceNode sequence)
            {
                Error(PromptDiagnosticCodes.InvalidValue, "'messages' must be a list. Write each message as '- role: system' followed by 'content: ...'.", node);
                return [];
            }

            if (sequence.Children.Count == 0)
            {
                Error(PromptDiagnosticCodes.EmptyMessages, "'messages' is empty. Add at least one message with a 'role' and a 'content'.", node);
                return [];
            }

            var messages = new List<PromptMessageTemplate>();
            foreach (var item in sequence.Children)
            {
                if (AsMapping(item, "Each message") is not { } mapping)
                {
                    continue;
                }

                ChatRole? role = null;
                YamlScalarNode? content = null;
                foreach (var (key, value) in Entries(mapping, s_messageKeys, "A message"))
                {
                    if (key == "role")
                    {
                        role = ReadString(value, "role") switch
                        {
                            null => null,
                            "system" => ChatRole.System,
                            "user" => ChatRole.User,
                            "assistant" => ChatRole.Assistant,
                            var other => Invalid<ChatRole?>(null, $"The role '{other}' is not valid. Use 'system', 'user' or 'assistant'.", value, PromptDiagnosticCodes.UnknownRole),
                        };
                    }
                    else if (value is YamlScalarNode scalar)
                    {
                        content = scalar;
                    }
                    else
                    {
                        Error(PromptDiagnosticCodes.InvalidValue, "A message 'content' must be text. Use a string or a '|' block.", value);
                    }
                }

                var missingRole = !mapping.Children.ContainsKey(new YamlScalarNode("role"));
                if (missingRole)
                {
                    Error(PromptDiagnosticCodes.UnknownRole, "A message has no 'role'. Add 'role: system', 'role: user' or 'role: assistant'.", item);
                }

                if (content is null || string.IsNullOrWhiteSpace(content.Value))
                {
                    if (!missingRole)
                    {
                        Error(PromptDiagnosticCodes.EmptyMessages, "A message has no 'content'. Add the message text under 'content:'.", item);
                    }

                    continue;
                }

                if (role is { } r)
                {
                    messages.Add(new PromptMessageTemplate(r, content.Value!, TemplateSourceMap.ForScalar(file.DisplayPath, _lines, content.Start, content.Style)));
                }
            }

            return messages;
        }

        private IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode mapping, string[] knownKeys, string subject) =>
            _reader.Entries(mapping, knownKeys, subject).Select(e => (e.Key.Value!, e.Value));

        private YamlMappingNode? AsMapping(YamlNode node, string what) =>
            _reader.AsMapping(node, $"{what} must be a mapping of 'key: value' pairs. Indent its keys under it.");

        private string? ReadString(YamlNode node, string key) => _reader.Text(node, key);

        private int? ReadPositiveInt(YamlNode node, string key) => _reader.PositiveInt(node, key, "1000");

        private float? ReadFloat(YamlNode node, string key, float min, float max) => (float?)_reader.Number(node, key, min, max);

        private T Invalid<T>(T fallback, string message, YamlNode node, string code = PromptDiagnosticCodes.InvalidValue) => _reader.Invalid(node, message, fallback, code);

        private void Error(string code, string message, YamlNode node) => _reader.Error(node, message, code);

        private void Error(string code, string message) => _reader.Error(0, 0, message, code);
    }
}
