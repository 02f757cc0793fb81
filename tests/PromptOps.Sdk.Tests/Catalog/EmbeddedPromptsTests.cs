using Microsoft.Extensions.DependencyInjection;

namespace PromptOps.Tests.Catalog;

/// <summary>This test assembly embeds the repository's prompts/ folder through build/PromptOps.Sdk.targets.</summary>
public class EmbeddedPromptsTests
{
    [Fact]
    public void AddEmbeddedPrompts_AssemblyBuiltWithTheTargets_ServesItsPromptsAndPartials()
    {
        var services = new ServiceCollection();
        services.AddPromptOps().AddEmbeddedPrompts(typeof(EmbeddedPromptsTests).Assembly);
        var catalog = services.BuildServiceProvider().GetRequiredService<IPromptCatalog>();

        var rendered = catalog.Get("customer-support").Render(new { company_name = "Acme", question = "Hi" });

        Assert.Equal("2.1.0", rendered.Prompt.Version);
        Assert.Contains("Write in a friendly, concise tone.", rendered.Messages[0].Text, StringComparison.Ordinal);
        Assert.Equal(["classify-intent", "customer-support", "summarize-ticket"], catalog.List().Select(p => p.Id).Distinct());
    }

    [Fact]
    public void LoadEmbedded_OnTheMachineThatBuiltIt_NamesTheRealFileAnIdeCanOpen()
    {
        var library = PromptLibrary.LoadEmbedded(typeof(EmbeddedPromptsTests).Assembly);

        Assert.False(library.HasErrors);
        var prompt = library.Prompts[0];
        var path = prompt.Definition.SourcePath!;
        Assert.True(File.Exists(path), $"'{path}' is not a file an IDE or CI annotation can open");
        Assert.EndsWith($"prompts/{prompt.Id}/{prompt.Version}.yaml", path.Replace('\\', '/'), StringComparison.Ordinal);
    }

    [Fact]
    public void LoadEmbedded_AssemblyWithoutPrompts_ExplainsHowToEmbedThem()
    {
        var library = PromptLibrary.LoadEmbedded(typeof(PromptLibrary).Assembly);

        var diagnostic = Assert.Single(library.Diagnostics);
        Assert.Equal(PromptDiagnosticCodes.SourceNotFound, diagnostic.Code);
        Assert.Contains("PromptOpsPromptsDirectory", diagnostic.Message, StringComparison.Ordinal);
    }
}
