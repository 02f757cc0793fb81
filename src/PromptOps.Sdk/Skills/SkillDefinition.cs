namespace PromptOps;

/// <summary>
/// A skill: a named, versioned and owned group of tools an agent may use, with the skills it depends on. Defined in
/// <c>skills.yaml</c> or in code with <c>AddSkill(...)</c>.
/// </summary>
public sealed class SkillDefinition
{
    /// <summary>Gets the skill name, for example <c>order_management</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the skill version.</summary>
    public required PromptVersion Version { get; init; }

    /// <summary>Gets the team or person that owns the skill, or <see langword="null"/>.</summary>
    public string? Owner { get; init; }

    /// <summary>Gets what the skill is for, or <see langword="null"/>.</summary>
    public string? Description { get; init; }

    /// <summary>Gets a value indicating whether the skill may be used.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; init; } = true;

    /// <summary>Gets the tokens the skill's tool calls may add to a request, or <see langword="null"/>; added to the request's token budget.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Gets the names of the tools (Microsoft.Extensions.AI <c>AIFunction</c>s) the skill provides.</summary>
    public IReadOnlyList<string> Tools { get; init; } = [];

    /// <summary>Gets the names of the skills this skill depends on.</summary>
    public IReadOnlyList<string> Dependencies { get; init; } = [];

    /// <summary>Gets where the skill was defined: a file path, or <c>code</c>.</summary>
    public string Source { get; init; } = "code";

    /// <summary>Gets the line of the definition in <see cref="Source"/>, or 0.</summary>
    public int Line { get; init; }

    /// <summary>Gets the column of the definition in <see cref="Source"/>, or 0.</summary>
    public int Column { get; init; }

    /// <summary>Returns <c>name@version</c>.</summary>
    /// <returns>The skill as text.</returns>
    public override string ToString() => $"{Name}@{Version}";
}
