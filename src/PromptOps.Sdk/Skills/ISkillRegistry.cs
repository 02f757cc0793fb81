namespace PromptOps;

/// <summary>The skills of the application, checked as a graph, and the tools they provide.</summary>
/// <remarks>The registry is validated once (at start-up under a host) and frozen after: skills cannot be added once it has been used. Thread-safe.</remarks>
public interface ISkillRegistry
{
    /// <summary>Gets every skill, ordered by name.</summary>
    IReadOnlyList<SkillDefinition> Skills { get; }

    /// <summary>Resolves skills with all their dependencies.</summary>
    /// <param name="skills">The names of the skills to use.</param>
    /// <returns>The skills in dependency order and the union of their tools.</returns>
    /// <exception cref="SkillGraphException">The graph is invalid, or a named skill is unknown or disabled.</exception>
    SkillResolution Resolve(params string[] skills);

    /// <summary>Returns the skills as a graph of nodes and dependency edges.</summary>
    /// <returns>The graph.</returns>
    SkillGraph GetSkillGraph();
}
