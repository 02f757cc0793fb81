using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>
/// Collects skills (from <c>skills.yaml</c> files and code) and tools, validates them as one graph on first use, and then
/// serves resolutions. Adding anything after the first use throws: the registry is frozen.
/// </summary>
/// <example>
/// <code>
/// var registry = new SkillRegistry()
///     .AddSkillsFromFile("skills.yaml")
///     .AddTool(AIFunctionFactory.Create(LookupOrder, "lookup_order"));
/// var resolution = registry.Resolve("refund_processing");   // refund_processing and order_management, and their tools
/// </code>
/// </example>
public sealed class SkillRegistry : ISkillRegistry
{
    private readonly List<SkillDefinition> _definitions = [];
    private readonly Dictionary<string, AITool> _tools = new(StringComparer.Ordinal);
    private readonly List<PromptDiagnostic> _fileDiagnostics = [];
    private readonly Lock _lock = new();
    private Frozen? _frozen;

    /// <inheritdoc />
    public IReadOnlyList<SkillDefinition> Skills => Freeze().Skills;

    /// <summary>Gets every problem found in the files and the graph; freezes the registry.</summary>
    public IReadOnlyList<PromptDiagnostic> Diagnostics => Freeze().Diagnostics;

    /// <summary>Adds a skill defined in code.</summary>
    /// <param name="skill">The skill.</param>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="InvalidOperationException">The registry has already been used.</exception>
    public SkillRegistry AddSkill(SkillDefinition skill)
    {
        ArgumentNullException.ThrowIfNull(skill);
        lock (_lock)
        {
            ThrowIfFrozen(skill.Name);
            _definitions.Add(skill);
        }

        return this;
    }

    /// <summary>Adds the skills of a <c>skills.yaml</c> file; its problems are reported with the graph's.</summary>
    /// <param name="path">The file path.</param>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="InvalidOperationException">The registry has already been used.</exception>
    public SkillRegistry AddSkillsFromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text;
        var diagnostics = new List<PromptDiagnostic>();
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            text = string.Empty;
            diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.InvalidSkillsFile, PromptDiagnosticSeverity.Error,
                $"The skills file cannot be read: {ex.Message.TrimEnd('.')}. Check the path given to AddSkillsFromFile.", path));
        }

        var skills = diagnostics.Count == 0 ? SkillsFileParser.Parse(text, path, diagnostics) : [];
        lock (_lock)
        {
            ThrowIfFrozen(path);
            _definitions.AddRange(skills);
            _fileDiagnostics.AddRange(diagnostics);
        }

        return this;
    }

    /// <summary>Registers a tool under its <see cref="AITool.Name"/>, for the skills that declare it.</summary>
    /// <param name="tool">The tool, typically from <c>AIFunctionFactory.Create(...)</c>.</param>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="InvalidOperationException">The registry has already been used, or another tool has the same name.</exception>
    public SkillRegistry AddTool(AITool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        lock (_lock)
        {
            ThrowIfFrozen(tool.Name);
            if (_tools.TryGetValue(tool.Name, out var existing) && !ReferenceEquals(existing, tool))
            {
                throw new InvalidOperationException($"A tool named '{tool.Name}' is already registered. Tool names must be unique; rename one of them.");
            }

            _tools[tool.Name] = tool;
        }

        return this;
    }

    /// <inheritdoc />
    public SkillResolution Resolve(params string[] skills)
    {
        ArgumentNullException.ThrowIfNull(skills);
        var frozen = Freeze();
        if (frozen.Diagnostics.Any(d => d.IsError))
        {
            throw new SkillGraphException(frozen.Diagnostics);
        }

        var ordered = new List<SkillDefinition>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in skills)
        {
            if (!frozen.ByName.TryGetValue(name, out var skill))
            {
                var nearest = KeySuggester.Nearest(name, frozen.ByName.Keys);
                throw Single($"Skill '{name}' is not registered." + (nearest is null ? $" Registered skills: {string.Join(", ", frozen.ByName.Keys.Order(StringComparer.Ordinal))}." : $" Did you mean '{nearest}'?"));
            }

            if (!skill.Enabled)
            {
                throw Single($"Skill '{name}' is disabled. Enable it in its definition ({skill.Source}) or stop using it.");
            }

            Visit(skill);
        }

        var tools = new List<AITool>();
        var seenTools = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in ordered.SelectMany(s => s.Tools))
        {
            if (seenTools.Add(tool) && frozen.Tools.TryGetValue(tool, out var registered))
            {
                tools.Add(registered);
            }
        }

        return new SkillResolution(ordered, tools);

        void Visit(SkillDefinition skill)
        {
            if (!visited.Add(skill.Name))
            {
                return;
            }

            foreach (var dependency in skill.Dependencies)
            {
                Visit(frozen.ByName[dependency]);
            }

            ordered.Add(skill);
        }
    }

    /// <inheritdoc />
    public SkillGraph GetSkillGraph() => SkillGraph.From(Freeze().Skills);

    /// <summary>Validates the skills of a file as a graph, without checking tool registration (for <c>promptops skills check</c>).</summary>
    internal static (IReadOnlyList<SkillDefinition> Skills, List<PromptDiagnostic> Diagnostics) CheckFile(string path)
    {
        var registry = new SkillRegistry().AddSkillsFromFile(path);
        var definitions = registry._definitions;
        var diagnostics = new List<PromptDiagnostic>(registry._fileDiagnostics);
        diagnostics.AddRange(SkillGraphValidator.Validate(definitions, registeredTools: null));
        return (definitions, diagnostics);
    }

    private static SkillGraphException Single(string message) =>
        new([new PromptDiagnostic(PromptDiagnosticCodes.UnknownSkillDependency, PromptDiagnosticSeverity.Error, message)]);

    private Frozen Freeze()
    {
        if (Volatile.Read(ref _frozen) is { } frozen)
        {
            return frozen;
        }

        lock (_lock)
        {
            if (_frozen is null)
            {
                var diagnostics = new List<PromptDiagnostic>(_fileDiagnostics);
                diagnostics.AddRange(SkillGraphValidator.Validate(_definitions, _tools.Keys.ToHashSet(StringComparer.Ordinal)));
                var byName = new Dictionary<string, SkillDefinition>(StringComparer.Ordinal);
                foreach (var skill in _definitions)
                {
                    byName.TryAdd(skill.Name, skill);
                }

                Volatile.Write(ref _frozen, new Frozen(
                    [.. byName.Values.OrderBy(s => s.Name, StringComparer.Ordinal)],
                    byName,
                    new Dictionary<string, AITool>(_tools, StringComparer.Ordinal),
                    diagnostics));
            }

            return _frozen!;
        }
    }

    private void ThrowIfFrozen(string what)
    {
        if (_frozen is not null)
        {
            throw new InvalidOperationException($"The skill registry is frozen: it has already been used, so '{what}' cannot be added. Register every skill and tool before the first Resolve or GetSkillGraph.");
        }
    }

    private sealed record Frozen(IReadOnlyList<SkillDefinition> Skills, Dictionary<string, SkillDefinition> ByName, Dictionary<string, AITool> Tools, List<PromptDiagnostic> Diagnostics);
}
