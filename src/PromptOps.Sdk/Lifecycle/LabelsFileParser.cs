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
    private const int MaxFileBytes = 1024 * 1024;
    private static readonly string[] SplitKeys = ["variants", "salt"];
    private static readonly string[] VariantKeys = ["version", "weight", "name"];

    public static List<PromptLabel> Parse(string text, string path, List<PromptDiagnostic> diagnostics)
    {
        var labels = new List<PromptLabel>();
        if (text.Length > MaxFileBytes)
        {
            diagnostics.Add(Error(path, 1, 1, $"The labels file is larger than {MaxFileBytes} bytes. It should map environments to prompt versions only."));
            return labels;
        }

        var stream = YamlDocumentLoader.Load(text, out var problem);
        if (stream is null)
        {
            diagnostics.Add(Error(path, problem!.Line, problem.Column, $"The labels file is not valid YAML: {problem.Reason}."));
            return labels;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return labels;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            diagnostics.Add(Error(path, stream.Documents[0].RootNode, "The labels file must map environments to prompt versions, for example 'production: { customer-support: 2.1.0 }'."));
            return labels;
        }

        foreach (var (environmentNode, promptsNode) in root.Children)
        {
            var environment = (environmentNode as YamlScalarNode)?.Value ?? string.Empty;
            if (!PromptOpsOptionsValidator.IsEnvironmentName(environment))
            {
                diagnostics.Add(Error(path, environmentNode, $"'{environment}' is not a valid environment name. Use letters, digits, '.', '-' or '_', for example 'production'."));
                continue;
            }

            if (labels.Any(l => string.Equals(l.Environment, environment, StringComparison.OrdinalIgnoreCase)))
            {
                diagnostics.Add(Error(path, environmentNode, $"The environment '{environment}' appears twice (environment names ignore case). Merge its labels into one entry."));
                continue;
            }

            if (promptsNode is YamlScalarNode { Value: null or "" })
            {
                continue;
            }

            if (promptsNode is not YamlMappingNode prompts)
            {
                diagnostics.Add(Error(path, promptsNode, $"The labels of '{environment}' must map prompt ids to versions, for example '{environment}: {{ customer-support: 2.1.0 }}'."));
                continue;
            }

            foreach (var (idNode, labelNode) in prompts.Children)
            {
                var id = (idNode as YamlScalarNode)?.Value ?? string.Empty;
                if (ReadLabel(environment, id, labelNode, path, diagnostics) is { } variants)
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

    private static (List<PromptLabelVariant> Variants, string? Salt)? ReadLabel(string environment, string id, YamlNode node, string path, List<PromptDiagnostic> diagnostics)
    {
        var where = $"label {environment}/{id}";
        if (node is YamlScalarNode scalar)
        {
            if (TryParseText(scalar.Value, out var parsed, out var salt, out var error))
            {
                return (parsed, salt);
            }

            diagnostics.Add(Error(path, node, $"The {where} is invalid: {error}"));
            return null;
        }

        if (node is not YamlMappingNode split)
        {
            diagnostics.Add(Error(path, node, $"The {where} must be a version (2.1.0) or a mapping with 'variants' (and optionally 'salt')."));
            return null;
        }

        YamlMappings.WarnUnknownKeys(split, SplitKeys, $"The {where}", path, diagnostics);
        var saltValue = split.Children.TryGetValue(new YamlScalarNode("salt"), out var saltNode) ? (saltNode as YamlScalarNode)?.Value : null;
        if (!split.Children.TryGetValue(new YamlScalarNode("variants"), out var variantsNode) || variantsNode is not YamlSequenceNode list)
        {
            diagnostics.Add(Error(path, node, $"The {where} needs 'variants:', a list of versions with weights, for example 'variants: [{{ version: 2.1.0, weight: 90 }}, {{ version: 2.2.0, weight: 10, name: shorter }}]'."));
            return null;
        }

        var variants = new List<PromptLabelVariant>();
        foreach (var item in list.Children)
        {
            if (ReadVariant(item, where, path, diagnostics) is not { } variant)
            {
                return null;
            }

            variants.Add(variant);
        }

        if (PromptLabel.CheckVariants(variants) is { } problem)
        {
            diagnostics.Add(Error(path, variantsNode, $"The {where} is invalid: {problem}"));
            return null;
        }

        return (variants, saltValue);
    }

    private static PromptLabelVariant? ReadVariant(YamlNode item, string where, string path, List<PromptDiagnostic> diagnostics)
    {
        if (item is not YamlMappingNode values)
        {
            diagnostics.Add(Error(path, item, $"Each variant of {where} must be a mapping such as '{{ version: 2.1.0, weight: 90, name: control }}'."));
            return null;
        }

        YamlMappings.WarnUnknownKeys(values, VariantKeys, $"The {where}", path, diagnostics);
        var versionNode = YamlMappings.Scalar(values, "version");
        if (!PromptVersion.TryParse(versionNode?.Value, out var version))
        {
            diagnostics.Add(Error(path, (YamlNode?)versionNode ?? item, $"A variant of {where} has version '{versionNode?.Value}', which is not SemVer. Write it as major.minor.patch, for example 2.1.0."));
            return null;
        }

        var weightNode = YamlMappings.Scalar(values, "weight");
        if (weightNode is null || !int.TryParse(weightNode.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var weight))
        {
            diagnostics.Add(Error(path, (YamlNode?)weightNode ?? item, $"Variant {version} of {where} needs 'weight:', a whole number of percent (the weights of all variants sum to 100)."));
            return null;
        }

        var name = YamlMappings.Scalar(values, "name")?.Value;
        return new PromptLabelVariant(version.ToString(), weight, name);
    }


    private static PromptDiagnostic Error(string path, YamlNode node, string message) => Error(path, (int)node.Start.Line, (int)node.Start.Column, message);

    private static PromptDiagnostic Error(string path, int line, int column, string message) =>
        new(PromptDiagnosticCodes.InvalidLabels, PromptDiagnosticSeverity.Error, message, path, line, column);
}
