using YamlDotNet.RepresentationModel;

namespace PromptOps;

/// <summary>Reads a <c>skills.yaml</c> file into skill definitions, reporting every problem with its line and column.</summary>
internal static class SkillsFileParser
{
    private const int MaxFileChars = 1024 * 1024;
    private static readonly string[] KnownKeys = ["version", "owner", "description", "enabled", "max_tokens", "tools", "dependencies"];

    public static IReadOnlyList<SkillDefinition> Parse(string text, string path, List<PromptDiagnostic> diagnostics)
    {
        var reader = new YamlFileReader(path, diagnostics, PromptDiagnosticCodes.InvalidSkillsFile);
        var root = reader.LoadRoot(text, "The skills file", MaxFileChars, PromptDiagnosticCodes.InvalidSkillsFile, PromptDiagnosticCodes.InvalidSkillsFile);
        if (reader.HasErrors)
        {
            return [];
        }

        if (root is not YamlMappingNode mapping || YamlFileReader.Get(mapping, "skills") is not { } skillsNode)
        {
            reader.Error(1, 1, "The skills file must have a top-level 'skills:' mapping of skill names to definitions, for example 'skills: { order_management: { version: \"1.0.0\", tools: [lookup_order] } }'.");
            return [];
        }

        if (reader.AsMapping(skillsNode, "'skills' must be a mapping of skill names to definitions.") is not { } skills)
        {
            return [];
        }

        var result = new List<SkillDefinition>();
        foreach (var (keyNode, valueNode) in skills.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } name })
            {
                reader.Error(keyNode, "A skill name must be a plain word, for example 'order_management'. Replace the list or mapping used as a key.");
                continue;
            }

            if (ReadSkill(reader, name, keyNode, valueNode) is not { } skill)
            {
                continue;
            }

            if (result.Any(s => s.Name == skill.Name))
            {
                reader.Error(keyNode, $"Skill '{name}' is defined twice in this file. Remove or rename one of them.", PromptDiagnosticCodes.DuplicateSkill);
                continue;
            }

            result.Add(skill);
        }

        return result;
    }

    private static SkillDefinition? ReadSkill(YamlFileReader reader, string name, YamlNode keyNode, YamlNode valueNode)
    {
        if (reader.AsMapping(valueNode, $"Skill '{name}' must be a mapping with at least 'version' and 'tools'.") is not { } values)
        {
            return null;
        }

        var errorsBefore = reader.ErrorCount;
        PromptVersion? version = null;
        string? owner = null, description = null;
        var enabled = true;
        int? maxTokens = null;
        List<string> tools = [], dependencies = [];
        foreach (var (key, value) in reader.Entries(values, KnownKeys, $"Skill '{name}'"))
        {
            switch (key.Value)
            {
                case "version":
                    var text = reader.Text(value, "version");
                    if (text is not null && !PromptVersion.TryParse(text, out version))
                    {
                        reader.Error(value, $"Skill '{name}' has version '{text}', which is not SemVer 2.0. Use major.minor.patch, for example \"2.1.0\".");
                    }

                    break;
                case "owner":
                    owner = reader.Text(value, "owner");
                    break;
                case "description":
                    description = reader.Text(value, "description");
                    break;
                case "enabled":
                    enabled = reader.Bool(value, "enabled") ?? true;
                    break;
                case "max_tokens":
                    maxTokens = reader.PositiveInt(value, "max_tokens", "2000");
                    break;
                case "tools":
                    tools = reader.TextList(value, "tools", $"Skill '{name}'");
                    break;
                case "dependencies":
                    dependencies = reader.TextList(value, "dependencies", $"Skill '{name}'");
                    break;
            }
        }

        if (YamlFileReader.Get(values, "version") is null)
        {
            reader.Error(keyNode, $"Skill '{name}' has no version. Add 'version: \"1.0.0\"' (SemVer).");
        }

        return version is null || reader.ErrorCount > errorsBefore ? null : new SkillDefinition
        {
            Name = name,
            Version = version,
            Owner = owner,
            Description = description,
            Enabled = enabled,
            MaxTokens = maxTokens,
            Tools = tools,
            Dependencies = dependencies,
            Source = reader.Path,
            Line = (int)keyNode.Start.Line,
            Column = (int)keyNode.Start.Column,
        };
    }
}
