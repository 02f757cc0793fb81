using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Lifecycle;

public sealed class PromptLockTests
{
    [Fact]
    public void Catalog_NewLibraryWithoutALockFile_SaysSoAsInformationNotAWarningAtEveryStart()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(body: "Hello {{ name }}!"));
        var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Trace)).AddFakeLogging();
        services.AddPromptOps().AddPromptDirectory(dir.Root);
        using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IPromptCatalog>();

        var logs = provider.GetRequiredService<Microsoft.Extensions.Logging.Testing.FakeLogCollector>().GetSnapshot();
        Assert.DoesNotContain(logs, l => l.Level >= LogLevel.Warning && l.Message.Contains("PO1202", StringComparison.Ordinal));
        var note = Assert.Single(logs, l => l.Id.Id == 1010);
        Assert.Contains("promptops lock", note.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ComputeHash_LineEndingsAndStatusLine_DoNotChangeTheHash()
    {
        var published = TempPromptLibrary.ValidPrompt().ReplaceLineEndings("\n");

        var windows = published.ReplaceLineEndings("\r\n");
        var deprecated = published.Replace("status: published", "status: deprecated", StringComparison.Ordinal);
        var withBom = "\uFEFF" + published;

        Assert.Equal(PromptLock.ComputeHash(published), PromptLock.ComputeHash(windows));
        Assert.Equal(PromptLock.ComputeHash(published), PromptLock.ComputeHash(deprecated));
        Assert.Equal(PromptLock.ComputeHash(published), PromptLock.ComputeHash(withBom));
        Assert.Matches("^sha256:[0-9a-f]{64}$", PromptLock.ComputeHash(published));
    }

    [Theory]
    [InlineData("You greet people.", "You greet people warmly.")]
    [InlineData("status: published\n", "status: published\n# a comment\n")]
    [InlineData("Hello {{ name }}!", "Hello {{ name }}! ")]
    public void ComputeHash_AnyOtherEdit_ChangesTheHash(string before, string after)
    {
        var original = TempPromptLibrary.ValidPrompt().ReplaceLineEndings("\n");
        var edited = original.Replace(before, after, StringComparison.Ordinal);

        Assert.NotEqual(original, edited);
        Assert.NotEqual(PromptLock.ComputeHash(original), PromptLock.ComputeHash(edited));
    }

    [Fact]
    public void Load_LockedVersionsUnchanged_HasNoDiagnostics()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt()).Locked();

        Assert.Empty(dir.Load().Diagnostics);
    }

    [Fact]
    public void Load_EditedPublishedVersion_IsAnErrorThatSaysToPublishANewVersion()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt()).Locked();
        var path = dir.Write("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(body: "Hi {{ name }}!"));

        var library = dir.Load();

        var error = library.Single(PromptDiagnosticCodes.LockMismatch);
        Assert.True(error.IsError);
        Assert.Equal(path.Replace('\\', '/'), error.FilePath);
        Assert.Contains("was changed after it was published", error.Message, StringComparison.Ordinal);
        Assert.Contains("Published versions are immutable: publish a new version instead", error.Message, StringComparison.Ordinal);
        Assert.Contains("prompts.lock.json(5,16)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DeprecatingALockedVersion_IsAllowed()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt()).Locked();
        dir.Write("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(status: "deprecated"));

        Assert.Empty(dir.Load().Diagnostics);
    }

    [Fact]
    public void Load_LockedVersionTurnedBackIntoADraft_IsAnError()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt()).Locked();
        dir.Write("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(status: "draft"));

        var error = dir.Load().Single(PromptDiagnosticCodes.LockMismatch);

        Assert.Contains("is marked draft, but it was published", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PublishedVersionWithoutEntry_IsAWarningNamingTheVersion()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt()).Locked();
        dir.Write("greeting/1.1.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.1.0"));

        var library = dir.Load();

        var warning = library.Single(PromptDiagnosticCodes.LockEntryMissing);
        Assert.False(warning.IsError);
        Assert.EndsWith("greeting/1.1.0.yaml", warning.FilePath, StringComparison.Ordinal);
        Assert.Contains("'greeting' version 1.1.0 is published but has no entry", warning.Message, StringComparison.Ordinal);
        Assert.False(library.HasErrors);
    }

    [Fact]
    public void Load_NoLockFile_WarnsOnceForTheLibrary()
    {
        using var dir = new TempPromptLibrary()
            .With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt())
            .With("greeting/1.1.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.1.0"));

        var warning = dir.Load().Single(PromptDiagnosticCodes.LockEntryMissing);

        Assert.Contains("2 published version(s) but no prompts.lock.json", warning.Message, StringComparison.Ordinal);
        Assert.EndsWith("prompts.lock.json", warning.FilePath, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OnlyDrafts_NeedsNoLock()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(status: "draft"));

        Assert.Empty(dir.Load().Diagnostics);
    }

    [Fact]
    public void Load_EntryForAVersionThatIsGone_IsAWarningAtTheEntry()
    {
        using var dir = new TempPromptLibrary()
            .With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt())
            .With("greeting/1.1.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.1.0"))
            .Locked();
        File.Delete(Path.Combine(dir.Root, "greeting/1.1.0.yaml"));

        var warning = dir.Load().Single(PromptDiagnosticCodes.LockEntryStale);

        Assert.False(warning.IsError);
        Assert.Equal(6, warning.Line); // the second version's line in the lock file
        Assert.Contains("no file greeting/1.1.0.yaml", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_StaleEntriesDeepInALockFile_AreWarnedAtTheirOwnLineAndColumn()
    {
        var hash = "\"sha256:" + new string('a', 64) + "\"";
        var json = $$"""
            {
              "lockVersion": 1,
              "prompts": {
                "alpha": {
                  "1.0.0": {{hash}},
                  "2.0.0": {{hash}}
                },
                "beta": { "1.0.0": {{hash}}, "1.1.0": {{hash}} }
              }
            }
            """;
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(status: "draft")).With("prompts.lock.json", json);

        var positions = dir.Load().Diagnostics.Where(d => d.Code == PromptDiagnosticCodes.LockEntryStale).Select(d => (d.Line, d.Column)).Order();

        Assert.Equal([(5, 16), (6, 16), (8, 24), (8, 108)], positions);
    }

    [Theory]
    [InlineData("{ \"lockVersion\": 1, \"prompts\": { \"greeting\": { \"1.0.0\": \"sha256:abc\" } } }", 1, 57, "must be \"sha256:\" followed by 64 lowercase hex digits")]
    [InlineData("{ \"lockVersion\": 1,\n  \"prompts\": { \"greeting\": [] } }", 2, 28, "must be an object of versions and hashes")]
    [InlineData("{ \"lockVersion\": 2, \"prompts\": {} }", 1, 18, "lockVersion 2, which is newer than this PromptOps understands")]
    [InlineData("{ \"lockVersion\": 1, \"prompts\": { \"greeting\": { \"1.0.0\": ", 1, 57, "not valid JSON")]
    [InlineData("[]", 1, 1, "must be a JSON object")]
    [InlineData("{ \"lockVersion\": 1, \"extra\": 1, \"prompts\": {} }", 1, 30, "Unknown property 'extra'")]
    public void Load_MalformedLockFile_IsAnErrorWithLineAndColumn(string json, int line, int column, string message)
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt()).With("prompts.lock.json", json);

        var error = dir.Load().Single(PromptDiagnosticCodes.InvalidLockFile);

        Assert.True(error.IsError);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_ParsedBack_KeepsEveryEntryInVersionOrder()
    {
        var promptLock = new PromptLock();
        promptLock.Set("b", "10.0.0", PromptLock.ComputeHash("x"));
        promptLock.Set("b", "9.0.0", PromptLock.ComputeHash("y"));
        promptLock.Set("a", "1.0.0", PromptLock.ComputeHash("z"));

        var json = promptLock.ToJson();
        var parsed = PromptLock.Parse(json, "prompts.lock.json", []);

        Assert.NotNull(parsed);
        Assert.Equal(["a@1.0.0", "b@9.0.0", "b@10.0.0"], parsed.Entries.Select(e => $"{e.Id}@{e.Version}"));
        Assert.Equal(json, parsed.ToJson());
    }

    [Fact]
    public async Task HostStart_EditedPublishedVersion_FailsWithPromptValidationException()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt()).Locked();
        dir.Write("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(body: "Hi {{ name }}!"));
        using var host = Hosts.Build(services => services.AddPromptOps().AddPromptDirectory(dir.Root));

        var ex = await Assert.ThrowsAsync<PromptValidationException>(() => host.StartAsync());

        Assert.Equal(PromptDiagnosticCodes.LockMismatch, Assert.Single(ex.Diagnostics, d => d.IsError).Code);
        Assert.Contains("publish a new version instead", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_RepositoryLibrary_IsLockedAndClean()
    {
        var library = PromptLibrary.LoadDirectory(RepositoryPaths.Prompts);

        Assert.Empty(library.Diagnostics);
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Prompts, "prompts.lock.json")));
    }
}
