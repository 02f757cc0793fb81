using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>The result of <see cref="ISkillRegistry.Resolve(string[])"/>: the skills with their dependencies, and the union of their tools.</summary>
public sealed class SkillResolution
{
    internal SkillResolution(IReadOnlyList<SkillDefinition> skills, IReadOnlyList<AITool> tools)
    {
        Skills = skills;
        Tools = tools;
        MaxTokens = skills.Any(s => s.MaxTokens is not null) ? skills.Sum(s => s.MaxTokens ?? 0) : null;
    }

    /// <summary>Gets the skills in dependency order: every skill comes after the skills it depends on.</summary>
    public IReadOnlyList<SkillDefinition> Skills { get; }

    /// <summary>Gets the tools of those skills, each once, in skill order.</summary>
    public IReadOnlyList<AITool> Tools { get; }

    /// <summary>Gets the sum of the skills' <see cref="SkillDefinition.MaxTokens"/>, or <see langword="null"/> when none sets one.</summary>
    public int? MaxTokens { get; }
}
