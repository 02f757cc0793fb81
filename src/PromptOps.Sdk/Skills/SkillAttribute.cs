namespace PromptOps;

/// <summary>Marks a static class as a skill for <c>AddSkillsFromAssembly(...)</c>; its <see cref="SkillToolAttribute"/> methods are the skill's tools.</summary>
/// <param name="name">The skill name, for example <c>order_management</c>.</param>
/// <param name="version">The skill version (SemVer), for example <c>2.1.0</c>.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SkillAttribute(string name, string version) : Attribute
{
    /// <summary>Gets the skill name.</summary>
    public string Name { get; } = name;

    /// <summary>Gets the skill version.</summary>
    public string Version { get; } = version;

    /// <summary>Gets or sets the owner.</summary>
    public string? Owner { get; set; }

    /// <summary>Gets or sets what the skill is for.</summary>
    public string? Description { get; set; }

    /// <summary>Gets or sets the skill's token allowance; 0 for none.</summary>
    public int MaxTokens { get; set; }

    /// <summary>Gets or sets the names of the skills this skill depends on.</summary>
    public string[] Dependencies { get; set; } = [];

    /// <summary>Gets or sets a value indicating whether the skill may be used.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;
}

/// <summary>Marks a public static method of a <see cref="SkillAttribute"/> class as a tool (an <c>AIFunction</c>).</summary>
/// <param name="name">The tool name the model sees; default: the method name.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class SkillToolAttribute(string? name = null) : Attribute
{
    /// <summary>Gets the tool name, or <see langword="null"/> for the method name.</summary>
    public string? Name { get; } = name;
}
