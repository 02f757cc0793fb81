using System.Reflection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace PromptOps;

/// <summary>Adds skills and their tools to PromptOps; the registry is validated when the host starts.</summary>
public static class PromptOpsSkillsBuilderExtensions
{
    /// <summary>Adds the skills of a <c>skills.yaml</c> file.</summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="path">The file path; a relative path starts from the current directory.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IPromptOpsBuilder AddSkillsFromFile(this IPromptOpsBuilder builder, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.AddSkillRegistration(registry => registry.AddSkillsFromFile(path));
    }

    /// <summary>Adds a skill defined in code.</summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="skill">The skill.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IPromptOpsBuilder AddSkill(this IPromptOpsBuilder builder, SkillDefinition skill)
    {
        ArgumentNullException.ThrowIfNull(skill);
        return builder.AddSkillRegistration(registry => registry.AddSkill(skill));
    }

    /// <summary>Registers a tool that skills declare by name.</summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="tool">The tool, typically <c>AIFunctionFactory.Create(method, "lookup_order")</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IPromptOpsBuilder AddSkillTool(this IPromptOpsBuilder builder, AITool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return builder.AddSkillRegistration(registry => registry.AddTool(tool));
    }

    /// <summary>Adds every <see cref="SkillAttribute"/> class of an assembly as a skill, with its <see cref="SkillToolAttribute"/> methods as tools.</summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="assembly">The assembly to scan.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IPromptOpsBuilder AddSkillsFromAssembly(this IPromptOpsBuilder builder, Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return builder.AddSkillRegistration(registry => SkillDiscovery.AddFromAssembly(registry, assembly));
    }

    private static IPromptOpsBuilder AddSkillRegistration(this IPromptOpsBuilder builder, Action<SkillRegistry> register)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(new SkillRegistration(register));
        builder.Services.TryAddSingleton<ISkillRegistry>(sp =>
        {
            var registry = new SkillRegistry();
            foreach (var registration in sp.GetServices<SkillRegistration>())
            {
                registration.Register(registry);
            }

            return registry;
        });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SkillRegistryStartupCheck>());
        return builder;
    }
}

/// <summary>One call of an <c>AddSkill*</c> method, applied when the registry is first needed.</summary>
internal sealed record SkillRegistration(Action<SkillRegistry> Register);

/// <summary>Validates the skill graph, and every prompt's <c>skills:</c>, when the host starts.</summary>
internal sealed class SkillRegistryStartupCheck(ISkillRegistry registry, IPromptCatalog catalog) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var problems = new List<PromptDiagnostic>((registry as SkillRegistry)?.Diagnostics.Where(d => d.IsError) ?? []);
        if (problems.Count == 0)
        {
            foreach (var prompt in catalog.List().Where(p => p.Definition.Skills.Count > 0))
            {
                try
                {
                    registry.Resolve([.. prompt.Definition.Skills]);
                }
                catch (SkillGraphException ex)
                {
                    problems.AddRange(ex.Diagnostics.Select(d => new PromptDiagnostic(d.Code, d.Severity, $"Prompt '{prompt}' uses skills [{string.Join(", ", prompt.Definition.Skills)}]: {d.Message}", prompt.Definition.SourcePath)));
                }
            }
        }

        return problems.Count > 0 ? throw new SkillGraphException(problems) : Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
