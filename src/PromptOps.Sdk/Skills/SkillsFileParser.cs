using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PromptOps;

/// <summary>Reads a <c>skills.yaml</c> file into skill definitions, reporting every problem with its line and column.</summary>
internal static class SkillsFileParser
{
    private const int MaxFileBytes = 1024 * 1024;
    private static readonly string[] KnownKeys = ["version", "owner", "description", "enabled", "max_tokens", "tools", "dependencies"];

    public static IReadOnlyList<SkillDefinition> Parse(string text, string path, List<PromptDiagnostic> diagnostics)
    {
        if (text.Length > MaxFileBytes)
        {
            diagnostics.Add(Error(path, 1, 1, $"The skills file is larger than {MaxFileBytes} bytes. Split it or remove unused skills."));
            return [];
        }

        var stream = YamlDocumentLoader.Load(text, out var problem);
        if (stream is null)
        {
            diagnostics.Add(Error(path, problem!.Line, problem.Column, $"The skills file is not valid YAML: {problem.Reason}."));
            return [];
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("skills"), out var skillsNode))
        {
            diagnostics.Add(Error(path, 1, 1, "The skills file must have a top-level 'skills:' mapping of skill names to definitions, for example 'skills: { order_management: { version: \"1.0.0\", tools: [lookup_order] } }'."));
            return [];
        }

        if (skillsNode is not YamlMappingNode skills)
        {
            diagnostics.Add(Error(path, skillsNode, "'skills' must be a mapping of skill names to definitions."));
            return [];
        }

        var result = new List<SkillDefinition>();
        foreach (var (keyNode, valueNode) in skills.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } name })
            {
                diagnostics.Add(Error(path, keyNode, "A skill name must be a plain word, for example 'order_management'. Replace the list or mapping used as a key."));
                continue;
            }

            if (ReadSkill(name, keyNode, valueNode, path, diagnostics) is { } skill)
            {
                if (result.Any(s => s.Name == skill.Name))
                {
                    diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.DuplicateSkill, PromptDiagnosticSeverity.Error, $"Skill '{name}' is defined twice in this file. Remove or rename one of them.", path, skill.Line, skill.Column));
                    continue;
                }

                result.Add(skill);
            }
        }

        return result;
    }

    private static SkillDefinition? ReadSkill(string name, YamlNode keyNode, YamlNode valueNode, string path, List<PromptDiagnostic> diagnostics)
    {
        if (valueNode is not YamlMappingNode values)
        {
            diagnostics.Add(Error(path, valueNode, $"Skill '{name}' must be a mapping with at least 'version' and 'tools'."));
            return null;
        }

        var errorsBefore = diagnostics.Count(d => d.IsError);
        YamlMappings.WarnUnknownKeys(values, KnownKeys, $"Skill '{name}'", path, diagnostics);

        PromptVersion? version = null;
        if (YamlMappings.Scalar(values, "version") is not { } versionNode)
        {
            diagnostics.Add(Error(path, keyNode, $"Skill '{name}' has no version. Add 'version: \"1.0.0\"' (SemVer)."));
        }
        else if (!PromptVersion.TryParse(versionNode.Value, out version))
        {
            diagnostics.Add(Error(path, versionNode, $"Skill '{name}' has version '{versionNode.Value}', which is not SemVer 2.0. Use major.minor.patch, for example \"2.1.0\"."));
        }

        var enabled = true;
        if (YamlMappings.Scalar(values, "enabled") is { } enabledNode && !bool.TryParse(enabledNode.Value, out enabled))
        {
            diagnostics.Add(Error(path, enabledNode, $"Skill '{name}' has enabled: '{enabledNode.Value}'. Use true or false."));
        }

        int? maxTokens = null;
        if (YamlMappings.Scalar(values, "max_tokens") is { } maxNode)
        {
            if (int.TryParse(maxNode.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0)
            {
                maxTokens = parsed;
            }
            else
            {
                diagnostics.Add(Error(path, maxNode, $"Skill '{name}' has max_tokens: '{maxNode.Value}', but it must be a positive whole number of tokens, for example 2000."));
            }
        }

        var tools = List(values, "tools", name, path, diagnostics);
        var dependencies = List(values, "dependencies", name, path, diagnostics);
        if (diagnostics.Count(d => d.IsError) > errorsBefore || version is null)
        {
            return null;
        }

        return new SkillDefinition
        {
            Name = name,
            Version = version,
            Owner = YamlMappings.Scalar(values, "owner")?.Value,
            Description = YamlMappings.Scalar(values, "description")?.Value,
            Enabled = enabled,
            MaxTokens = maxTokens,
            Tools = tools,
            Dependencies = dependencies,
            Source = path,
            Line = (int)keyNode.Start.Line,
            Column = (int)keyNode.Start.Column,
        };
    }

    private static List<string> List(YamlMappingNode values, string key, string skill, string path, List<PromptDiagnostic> diagnostics)
    {
        if (!values.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence || sequence.Children.Any(c => c is not YamlScalarNode { Value.Length: > 0 }))
        {
            diagnostics.Add(Error(path, node, $"Skill '{skill}' has '{key}' that is not a list of names. Write it as {key}: [name_one, name_two]."));
            return [];
        }

        return [.. sequence.Children.Cast<YamlScalarNode>().Select(c => c.Value!)];
    }

    private static PromptDiagnostic Error(string path, YamlNode node, string message) => Error(path, (int)node.Start.Line, (int)node.Start.Column, message);

    private static PromptDiagnostic Error(string path, int line, int column, string message) =>
        new(PromptDiagnosticCodes.InvalidSkillsFile, PromptDiagnosticSeverity.Error, message, path, line, column);
}
