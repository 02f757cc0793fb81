using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>Finds <see cref="SkillAttribute"/> classes in an assembly and turns their <see cref="SkillToolAttribute"/> methods into tools.</summary>
internal static class SkillDiscovery
{
    public static void AddFromAssembly(SkillRegistry registry, Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            if (type.GetCustomAttribute<SkillAttribute>() is not { } skill)
            {
                continue;
            }

            var tools = new List<string>();
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<SkillToolAttribute>() is not { } toolAttribute)
                {
                    continue;
                }

                if (!method.IsStatic || !method.IsPublic)
                {
                    throw new InvalidOperationException($"{type.FullName}.{method.Name} is marked [SkillTool] but is not public static. Make it public static, or register the tool with AddSkillTool(AIFunctionFactory.Create(...)).");
                }

                var name = toolAttribute.Name ?? method.Name;
                var description = method.GetCustomAttribute<DescriptionAttribute>()?.Description;
                registry.AddTool(AIFunctionFactory.Create(method, target: null, name, description));
                tools.Add(name);
            }

            if (!PromptVersion.TryParse(skill.Version, out var version))
            {
                throw new InvalidOperationException($"[Skill(\"{skill.Name}\", \"{skill.Version}\")] on {type.FullName} has a version that is not SemVer 2.0. Use major.minor.patch, for example \"1.0.0\".");
            }

            registry.AddSkill(new SkillDefinition
            {
                Name = skill.Name,
                Version = version,
                Owner = skill.Owner,
                Description = skill.Description,
                Enabled = skill.Enabled,
                MaxTokens = skill.MaxTokens > 0 ? skill.MaxTokens : null,
                Tools = tools,
                Dependencies = skill.Dependencies,
                Source = type.FullName ?? type.Name,
            });
        }
    }
}
