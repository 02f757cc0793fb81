namespace PromptOps;

/// <summary>
/// The parsed, validated content of one prompt file (one version of one prompt). Immutable and thread-safe.
/// </summary>
public sealed class PromptDefinition
{
    internal PromptDefinition(
        string id,
        PromptVersion version,
        PromptStatus status,
        string? description,
        string? owner,
        string feature,
        IReadOnlyList<string> testedOn,
        string? changelog,
        PromptModelSettings model,
        PromptBudget budget,
        IReadOnlyList<string> skills,
        IReadOnlyList<PromptInputDefinition> inputs,
        IReadOnlyList<PromptMessageTemplate> messages,
        string sourcePath)
    {
        Id = id;
        Version = version;
        Status = status;
        Description = description;
        Owner = owner;
        Feature = feature;
        TestedOn = testedOn;
        Changelog = changelog;
        Model = model;
        Budget = budget;
        Skills = skills;
        Inputs = inputs;
        Messages = messages;
        SourcePath = sourcePath;
    }

    /// <summary>Gets the prompt id (lowercase kebab-case, equal to the folder name).</summary>
    public string Id { get; }

    /// <summary>Gets the version (equal to the file name).</summary>
    public PromptVersion Version { get; }

    /// <summary>Gets the lifecycle status.</summary>
    /// <value>The default value is <see cref="PromptStatus.Draft"/>.</value>
    public PromptStatus Status { get; }

    /// <summary>Gets the human description.</summary>
    public string? Description { get; }

    /// <summary>Gets the owning team or person.</summary>
    public string? Owner { get; }

    /// <summary>Gets the attribution key for cost and budgets.</summary>
    /// <value>The default value is the prompt id.</value>
    public string Feature { get; }

    /// <summary>Gets the models this version was tested on.</summary>
    public IReadOnlyList<string> TestedOn { get; }

    /// <summary>Gets what changed in this version.</summary>
    public string? Changelog { get; }

    /// <summary>Gets the model defaults.</summary>
    public PromptModelSettings Model { get; }

    /// <summary>Gets the token budget.</summary>
    public PromptBudget Budget { get; }

    /// <summary>Gets the skills whose tools the prompt uses.</summary>
    public IReadOnlyList<string> Skills { get; }

    /// <summary>Gets the declared inputs in file order.</summary>
    public IReadOnlyList<PromptInputDefinition> Inputs { get; }

    /// <summary>Gets the message templates in file order.</summary>
    public IReadOnlyList<PromptMessageTemplate> Messages { get; }

    /// <summary>Gets the path of the file this version was loaded from, as shown in diagnostics.</summary>
    public string SourcePath { get; }
}
