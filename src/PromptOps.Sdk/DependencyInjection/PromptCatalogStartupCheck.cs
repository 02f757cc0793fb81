using Microsoft.Extensions.Hosting;

namespace PromptOps;

/// <summary>Loads the catalog when the host starts, so invalid prompt files stop the app at start, not on the first request.</summary>
internal sealed class PromptCatalogStartupCheck(IPromptCatalog catalog, ISkillRegistry? skills = null) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolving the catalog (done by the constructor) loaded and validated every source.
        var prompts = catalog.List();
        if (skills is null)
        {
            var unresolved = prompts
                .Where(p => p.Definition.Skills.Count > 0)
                .Select(p => new PromptDiagnostic(PromptDiagnosticCodes.UnknownSkillDependency, PromptDiagnosticSeverity.Error,
                    $"Prompt '{p}' uses skills [{string.Join(", ", p.Definition.Skills)}], but no skills are registered, so its renders would carry no tools. Call AddSkillsFromFile(\"skills.yaml\") (or AddSkill, AddSkillsFromAssembly) on the builder returned by AddPromptOps().",
                    p.Definition.SourcePath))
                .ToList();
            if (unresolved.Count > 0)
            {
                throw new PromptValidationException(unresolved);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
