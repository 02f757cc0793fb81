using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PromptOps;

/// <summary>
/// Reads <c>labels.yaml</c> (environment → prompt id → version or variants) and the one-line label text used in
/// configuration (<c>2.1.0</c>, or <c>2.1.0:90, 2.2.0:10; salt=spring</c>), reporting problems with line and column.
/// </summary>
internal static class LabelsFileParser
{
    public const string FileName = "labels.yaml";
    private const int MaxFileChars = 1024 * 1024;
    private static readonly string[] SplitKeys = ["variants", "salt"];
    private static readonly string[] VariantKeys = ["version", "weight", "name"];

    public static List<PromptLabel> Parse(string text, string path, List<PromptDiagnostic> diagnostics)
    {
        var labels = new List<PromptLabel>();
        var reader = new YamlFileReader(path, diagnostics, PromptDiagnosticCodes.InvalidLabels);
        var document = reader.LoadRoot(text, "The labels file", MaxFileChars, PromptDiagnosticCodes.InvalidLabels, PromptDiagnosticCodes.InvalidLabels);
        if (document is null || reader.HasErrors
            || reader.AsMapping(document, "The labels file must map environments to prompt versions, for example 'production: { customer-support: 2.1.0 }'.") is not { } root)
        {
            return labels;
        }

        foreach (var (environmentNode, promptsNode) in root.Children)
        {
            var environment = (environmentNode as YamlScalarNode)?.Value ?? string.Empty;
            if (!PromptOpsOptionsValidator.IsEnvironmentName(environment))
            {
                reader.Error(environmentNode, $"'{environment}' is not a valid environment name. Use letters, digits, '.', '-' or '_', for example 'production'.");
                continue;
            }

            if (labels.Any(l => string.Equals(l.Environment, environment, StringComparison.OrdinalIgnoreCase)))
            {
                reader.Error(environmentNode, $"The environment '{environment}' appears twice (environment names ignore case). Merge its labels into one entry.");
                continue;
            }

            if (promptsNode is YamlScalarNode { Value: null or "" })
            {
                continue;
            }

            if (reader.AsMapping(promptsNode, $"The labels of '{environment}' must map prompt ids to versions, for example '{environment}: {{ customer-support: 2.1.0 }}'.") is not { } prompts)
            {
                continue;
            }

            foreach (var (idNode, labelNode) in prompts.Children)
            {
                var id = (idNode as YamlScalarNode)?.Value ?? string.Empty;
                if (ReadLabel(reader, environment, id, labelNode) is { } variants)
                {
                    labels.Add(new PromptLabel(environment, id, variants.Variants, variants.Salt, $"{path}({idNode.Start.Line},{idNode.Start.Column})")
                    {
                        FilePath = path,
                        Line = (int)idNode.Start.Line,
                        Column = (int)idNode.Start.Column,
                    });
                }
            }
        }

        return labels;
    }

    /// <summary>Parses the configuration form of a label: a version, or <c>version:weight</c> pairs and an optional <c>; salt=text</c>.</summary>
    public static bool TryParseText(string? text, out List<PromptLabelVariant> variants, out string? salt, out string error)
    {
        variants = [];
        salt = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "it is empty. Set a version such as '2.1.0', or weighted versions such as '2.1.0:90, 2.2.0:10'.";
            return false;
        }

        var parts = text.Split(';', 2, StringSplitOptions.TrimEntries);
        if (parts.Length == 2)
        {
            if (!parts[1].StartsWith("salt=", StringComparison.Ordinal) || parts[1].Length == "salt=".Length)
            {
                error = $"'{parts[1]}' after ';' is not understood. The only option is a salt, for example '2.1.0:90, 2.2.0:10; salt=spring-test'.";
                return false;
            }

            salt = parts[1]["salt=".Length..];
        }

        var items = parts[0].Split(',', StringSplitOptions.TrimEntries);
        foreach (var item in items)
        {
            var pair = item.Split(':', 2, StringSplitOptions.TrimEntries);
            if (!PromptVersion.TryParse(pair[0], out var version))
            {
                error = $"'{pair[0]}' is not a SemVer version. Write versions as major.minor.patch, for example '2.1.0'.";
                return false;
            }

            var weight = 100;
            if (pair.Length == 2 && !int.TryParse(pair[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out weight))
            {
                error = $"the weight '{pair[1]}' of version {pair[0]} is not a whole number of percent. Write it as '{pair[0]}:50'.";
                return false;
            }

            if (items.Length > 1 && pair.Length == 1)
            {
                error = $"version {pair[0]} has no weight. Give every version its share, for example '2.1.0:90, 2.2.0:10'.";
                return false;
            }

            variants.Add(new PromptLabelVariant(version.ToString(), weight));
        }

        if (PromptLabel.CheckVariants(variants) is { } problem)
        {
            error = problem;
            return false;
        }

        return true;
    }

    private static (List<PromptLabelVariant> Variants, string? Salt)? ReadLabel(YamlFileReader reader, string environment, string id, YamlNode node)
    {
        var where = $"label {environment}/{id}";
        if (node is YamlScalarNode scalar)
        {
            if (TryParseText(scalar.Value, out var parsed, out var salt, out var error))
            {
                return (parsed, salt);
            }

            reader.Error(node, $"The {where} is invalid: {error}");
            return null;
        }

        if (reader.AsMapping(node, $"The {where} must be a version (2.1.0) or a mapping with 'variants' (and optionally 'salt').") is not { } split)
        {
            return null;
        }

        reader.WarnUnknownKeys(split, SplitKeys, $"The {where}");
        var saltValue = YamlFileReader.Get(split, "salt") is { } saltNode ? reader.Text(saltNode, "salt") : null;
        if (YamlFileReader.Get(split, "variants") is not YamlSequenceNode list)
        {
            reader.Error(node, $"The {where} needs 'variants:', a list of versions with weights, for example 'variants: [{{ version: 2.1.0, weight: 90 }}, {{ version: 2.2.0, weight: 10, name: shorter }}]'.");
            return null;
        }

        var variants = new List<PromptLabelVariant>();
        foreach (var item in list.Children)
        {
            if (ReadVariant(reader, item, where) is not { } variant)
            {
                return null;
            }

            variants.Add(variant);
        }

        if (PromptLabel.CheckVariants(variants) is { } problem)
        {
            reader.Error(list, $"The {where} is invalid: {problem}");
            return null;
        }

        return (variants, saltValue);
    }

    private static PromptLabelVariant? ReadVariant(YamlFileReader reader, YamlNode item, string where)
    {
        if (reader.AsMapping(item, $"Each variant of {where} must be a mapping such as '{{ version: 2.1.0, weight: 90, name: control }}'.") is not { } values)
        {
            return null;
        }

        reader.WarnUnknownKeys(values, VariantKeys, $"The {where}");
        var versionNode = YamlFileReader.Get(values, "version") as YamlScalarNode;
        if (!PromptVersion.TryParse(versionNode?.Value, out var version))
        {
            reader.Error((YamlNode?)versionNode ?? item, $"A variant of {where} has version '{versionNode?.Value}', which is not SemVer. Write it as major.minor.patch, for example 2.1.0.");
            return null;
        }

        var weightNode = YamlFileReader.Get(values, "weight") as YamlScalarNode;
        if (weightNode is null || !int.TryParse(weightNode.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var weight))
        {
            reader.Error((YamlNode?)weightNode ?? item, $"Variant {version} of {where} needs 'weight:', a whole number of percent (the weights of all variants sum to 100).");
            return null;
        }

        var name = YamlFileReader.Get(values, "name") is { } nameNode ? reader.Text(nameNode, "name") : null;
        return new PromptLabelVariant(version.ToString(), weight, name);
    }
}
