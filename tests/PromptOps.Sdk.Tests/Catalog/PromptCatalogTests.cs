using Microsoft.Extensions.DependencyInjection;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Catalog;

public sealed class PromptCatalogTests : IDisposable
{
    private readonly TempPromptLibrary _dir = new TempPromptLibrary()
        .With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.0.0", body: "v1 {{ name }}"))
        .With("greeting/1.1.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.1.0", body: "v1.1 {{ name }}"))
        .With("greeting/1.2.0-beta.1.yaml", TempPromptLibrary.ValidPrompt(version: "1.2.0-beta.1", status: "deprecated", body: "beta {{ name }}"))
        .With("greeting/2.0.0.yaml", TempPromptLibrary.ValidPrompt(version: "2.0.0", status: "draft", body: "v2 {{ name }}"));

    public void Dispose() => _dir.Dispose();

    private IPromptCatalog Catalog(bool allowDrafts = false)
    {
        var services = new ServiceCollection();
        services.AddPromptOps(o => o.AllowDrafts = allowDrafts).AddPromptDirectory(_dir.Root);
        return services.BuildServiceProvider().GetRequiredService<IPromptCatalog>();
    }

    [Fact]
    public void Get_Id_ServesTheHighestPublishedVersionNotDraftsOrDeprecated()
    {
        Assert.Equal("1.1.0", Catalog().Get("greeting").Version.ToString());
    }

    [Fact]
    public void Get_IdWithAllowDrafts_ServesTheNewerDraft()
    {
        Assert.Equal("2.0.0", Catalog(allowDrafts: true).Get("greeting").Version.ToString());
    }

    [Theory]
    [InlineData("2.0.0", PromptStatus.Draft)]
    [InlineData("1.2.0-beta.1", PromptStatus.Deprecated)]
    [InlineData("1.0.0", PromptStatus.Published)]
    public void Get_ExactVersion_ServesItWhateverItsStatus(string version, PromptStatus status)
    {
        var prompt = Catalog().Get("greeting", version);

        Assert.Equal((version, status), (prompt.Version.ToString(), prompt.Status));
    }

    [Fact]
    public void Get_UnknownId_ThrowsWithSuggestionAndKnownIds()
    {
        var ex = Assert.Throws<PromptNotFoundException>(() => Catalog().Get("greetng"));

        Assert.Equal("greetng", ex.PromptId);
        Assert.Contains("Did you mean 'greeting'?", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_UnknownVersion_ThrowsListingTheVersionsWithStatus()
    {
        var ex = Assert.Throws<PromptNotFoundException>(() => Catalog().Get("greeting", "9.9.9"));

        Assert.Contains("1.0.0 (published), 1.1.0 (published), 1.2.0-beta.1 (deprecated), 2.0.0 (draft)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_PromptWithOnlyDrafts_ExplainsHowToServeIt()
    {
        _dir.Write("draft-only/0.1.0.yaml", TempPromptLibrary.ValidPrompt(id: "draft-only", version: "0.1.0", status: "draft"));

        var ex = Assert.Throws<PromptNotFoundException>(() => Catalog().Get("draft-only"));

        Assert.Contains("no published version", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AllowDrafts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryGet_Missing_ReturnsFalseWithoutThrowing()
    {
        var catalog = Catalog();

        Assert.False(catalog.TryGet("nope", out _));
        Assert.False(catalog.TryGet("greeting", "3.0.0", out _));
        Assert.True(catalog.TryGet("greeting", "1.0.0", out var found));
        Assert.Equal("1.0.0", found.Version.ToString());
    }

    [Fact]
    public void List_ReturnsEveryVersionOrderedByIdAndVersion()
    {
        Assert.Equal(["1.0.0", "1.1.0", "1.2.0-beta.1", "2.0.0"], Catalog().List().Select(p => p.Version.ToString()));
    }

    [Fact]
    public async Task StartAsync_InvalidPromptFile_FailsTheHostWithEveryDiagnostic()
    {
        _dir.Write("broken/1.0.0.yaml", "messages:\n  - role: narrator\n    content: \"{{ undeclared }}\"\n");
        _dir.Write("also-broken/1.0.0.yaml", "status: live\nmessages:\n  - role: user\n    content: hi\n");
        using var host = Hosts.Build(services => services.AddPromptOps().AddPromptDirectory(_dir.Root));

        var ex = await Assert.ThrowsAsync<PromptValidationException>(() => host.StartAsync());

        Assert.Equal(2, ex.Diagnostics.Count(d => d.IsError));
        Assert.Contains("broken/1.0.0.yaml(2,11): error PO1007", ex.Message, StringComparison.Ordinal);
        Assert.Contains("also-broken/1.0.0.yaml(1,9): error PO1006", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_NoSourceRegistered_ThrowsExplainingHowToAddOne()
    {
        var provider = new ServiceCollection().AddPromptOps().Services.BuildServiceProvider();

        var ex = Assert.Throws<PromptValidationException>(() => provider.GetRequiredService<IPromptCatalog>());

        Assert.Contains("AddEmbeddedPrompts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_MissingDirectory_ThrowsNamingTheResolvedPath()
    {
        var services = new ServiceCollection();
        services.AddPromptOps().AddPromptDirectory(Path.Combine(_dir.Root, "missing"));

        var ex = Assert.Throws<PromptValidationException>(() => services.BuildServiceProvider().GetRequiredService<IPromptCatalog>());

        Assert.Equal(PromptDiagnosticCodes.SourceNotFound, Assert.Single(ex.Diagnostics).Code);
        Assert.Contains(Path.Combine(_dir.Root, "missing"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_SameVersionInTwoSources_ReportsDuplicateVersion()
    {
        using var other = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt());
        var services = new ServiceCollection();
        services.AddPromptOps().AddPromptDirectory(_dir.Root).AddPromptDirectory(other.Root);

        var ex = Assert.Throws<PromptValidationException>(() => services.BuildServiceProvider().GetRequiredService<IPromptCatalog>());

        Assert.Equal(PromptDiagnosticCodes.DuplicateVersion, Assert.Single(ex.Diagnostics, d => d.IsError).Code);
    }
}
