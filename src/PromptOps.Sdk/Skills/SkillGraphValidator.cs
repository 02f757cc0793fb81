namespace PromptOps;

/// <summary>Checks a set of skills as a graph and reports every problem at once, each at the skill's file, line and column.</summary>
internal static class SkillGraphValidator
{
    /// <param name="skills">Every skill definition, duplicates included.</param>
    /// <param name="registeredTools">The names of the registered tools, or <see langword="null"/> to skip that check (the CLI has no code).</param>
    public static List<PromptDiagnostic> Validate(IReadOnlyList<SkillDefinition> skills, IReadOnlySet<string>? registeredTools)
    {
        var problems = new List<PromptDiagnostic>();
        var byName = new Dictionary<string, SkillDefinition>(StringComparer.Ordinal);
        foreach (var skill in skills)
        {
            if (byName.TryGetValue(skill.Name, out var first))
            {
                problems.Add(Problem(PromptDiagnosticCodes.DuplicateSkill, skill,
                    $"Skill '{skill.Name}' is defined twice: in {Where(first)} and in {Where(skill)}. Keep one definition; skill names are unique across files and code."));
                continue;
            }

            byName.Add(skill.Name, skill);
        }

        var toolOwners = new Dictionary<string, SkillDefinition>(StringComparer.Ordinal);
        foreach (var skill in byName.Values)
        {
            foreach (var dependency in skill.Dependencies)
            {
                if (!byName.TryGetValue(dependency, out var target))
                {
                    var nearest = KeySuggester.Nearest(dependency, byName.Keys);
                    problems.Add(Problem(PromptDiagnosticCodes.UnknownSkillDependency, skill,
                        $"Skill '{skill.Name}' depends on '{dependency}', which is not defined." + (nearest is null ? " Define it or remove the dependency." : $" Did you mean '{nearest}'?")));
                }
                else if (skill.Enabled && !target.Enabled)
                {
                    problems.Add(Problem(PromptDiagnosticCodes.DependsOnDisabledSkill, skill,
                        $"Skill '{skill.Name}' is enabled but depends on '{dependency}', which is disabled. Enable '{dependency}' or disable '{skill.Name}'."));
                }
            }

            foreach (var tool in skill.Tools)
            {
                if (toolOwners.TryGetValue(tool, out var owner))
                {
                    problems.Add(Problem(PromptDiagnosticCodes.ToolClaimedTwice, skill,
                        $"Tool '{tool}' is claimed by skills '{owner.Name}' and '{skill.Name}'. A tool belongs to one skill: let one depend on the other instead."));
                }
                else
                {
                    toolOwners.Add(tool, skill);
                }

                if (registeredTools is not null && !registeredTools.Contains(tool))
                {
                    var nearest = KeySuggester.Nearest(tool, registeredTools);
                    problems.Add(Problem(PromptDiagnosticCodes.UnregisteredTool, skill,
                        $"Skill '{skill.Name}' declares tool '{tool}', but no tool of that name is registered." + (nearest is null ? " Register it with AddSkillTool(AIFunctionFactory.Create(...))." : $" Did you mean '{nearest}'?")));
                }
            }
        }

        foreach (var cycle in FindCycles(byName))
        {
            problems.Add(Problem(PromptDiagnosticCodes.SkillDependencyCycle, byName[cycle[0]],
                $"Skills depend on each other in a cycle: {string.Join(" -> ", cycle)}. Remove one of these dependencies."));
        }

        return problems;
    }

    /// <summary>Returns each elementary cycle once, rotated to start at its smallest name and closed (<c>a, b, a</c>).</summary>
    internal static List<List<string>> FindCycles(IReadOnlyDictionary<string, SkillDefinition> byName)
    {
        var cycles = new List<List<string>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new List<string>();

        void Visit(string name)
        {
            state[name] = 1;
            stack.Add(name);
            foreach (var dependency in byName[name].Dependencies)
            {
                if (!byName.ContainsKey(dependency))
                {
                    continue;
                }

                if (state.GetValueOrDefault(dependency) == 1)
                {
                    var loop = stack.GetRange(stack.IndexOf(dependency), stack.Count - stack.IndexOf(dependency));
                    var start = loop.IndexOf(loop.Min(StringComparer.Ordinal)!);
                    var rotated = loop.Skip(start).Concat(loop.Take(start)).ToList();
                    rotated.Add(rotated[0]);
                    if (seen.Add(string.Join("\u0001", rotated)))
                    {
                        cycles.Add(rotated);
                    }
                }
                else if (state.GetValueOrDefault(dependency) == 0)
                {
                    Visit(dependency);
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[name] = 2;
        }

        foreach (var name in byName.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(name) == 0)
            {
                Visit(name);
            }
        }

        return cycles;
    }

    private static string Where(SkillDefinition skill) => skill.Line > 0 ? $"{skill.Source}({skill.Line},{skill.Column})" : skill.Source;

    private static PromptDiagnostic Problem(string code, SkillDefinition skill, string message) =>
        new(code, PromptDiagnosticSeverity.Error, message, skill.Source == "code" ? null : skill.Source, skill.Line, skill.Column);
}
