using PromptOps.Cli.Lifecycle;

namespace PromptOps.Cli.Tests.Commands;

public sealed class PublishCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly string _dir;

    public PublishCommandTests() => _dir = _cli.CopyRepositoryPrompts();

    public void Dispose() => _cli.Dispose();

    private string Read(string relative) => File.ReadAllText(Path.Combine(_dir, relative));

    private Dictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(_dir, f), File.ReadAllText);

    [Fact]
    public void Publish_Draft_PublishesItInPlaceLocksItAndKeepsTheLibraryValid()
    {
        var draft = Read("classify-intent/1.1.0.yaml");

        var (exitCode, output, error) = CliRunner.Run("publish", "classify-intent", "--dir", _dir);

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.StartsWith("Published classify-intent@1.1.0 from draft 1.1.0 (previous: 1.0.0).", output, StringComparison.Ordinal);
        var published = Read("classify-intent/1.1.0.yaml");
        Assert.Equal(draft.Replace("status: draft", "status: published", StringComparison.Ordinal), published); // nothing else changes
        var library = PromptLibrary.LoadDirectory(_dir);
        Assert.Empty(library.Diagnostics);
        Assert.Equal(PromptStatus.Published, library.FindVersion("classify-intent", "1.1.0")!.Status);
        Assert.Equal("1.1.0", library.FindDefault("classify-intent", allowDrafts: false)!.Version.ToString());
        Assert.Contains($"\"1.1.0\": \"{PromptLock.ComputeHash(published)}\"", Read("prompts.lock.json"), StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.Run("lock", "--check", "--dir", _dir).ExitCode);
        Assert.Equal(0, CliRunner.Run("lint", "--strict", "--dir", _dir).ExitCode);
    }

    [Theory]
    [InlineData("major", "2.0.0")]
    [InlineData("minor", "1.1.0")]
    [InlineData("patch", "1.0.1")]
    public void Publish_Bump_NumbersFromTheLatestPublishedVersion(string bump, string expected)
    {
        var (exitCode, output, _) = CliRunner.Run("publish", "classify-intent", "--bump", bump, "--dir", _dir);

        Assert.Equal(0, exitCode);
        Assert.StartsWith($"Published classify-intent@{expected} from draft 1.1.0", output, StringComparison.Ordinal);
        var published = Read($"classify-intent/{expected}.yaml");
        Assert.Contains($"version: {expected}\n", published, StringComparison.Ordinal);
        Assert.Contains("status: published\n", published, StringComparison.Ordinal);
        Assert.Equal(expected == "1.1.0", File.Exists(Path.Combine(_dir, "classify-intent/1.1.0.yaml")));
        Assert.DoesNotContain(PromptLibrary.LoadDirectory(_dir).GetVersions("classify-intent"), v => v.Status == PromptStatus.Draft);
        Assert.Equal(0, CliRunner.Run("lock", "--check", "--dir", _dir).ExitCode);
    }

    [Fact]
    public void Publish_DraftWithoutStatusOrVersionLines_GetsBothWritten()
    {
        _cli.Write("prompts/faq/0.3.0.yaml", """
            id: faq
            # status defaults to draft
            messages:
              - role: user
                content: What are your opening hours?
            """);

        var (exitCode, _, error) = CliRunner.Run("publish", "faq", "--dir", _dir);

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.StartsWith("id: faq\nstatus: published\n# status defaults to draft\n", Read("faq/0.3.0.yaml"), StringComparison.Ordinal);
        Assert.Equal(PromptStatus.Published, PromptLibrary.LoadDirectory(_dir).FindVersion("faq", "0.3.0")!.Status);
    }

    [Fact]
    public void Publish_NoDraft_ExitsOneAndSaysHowToStartOne()
    {
        var before = Snapshot();

        var (exitCode, _, error) = CliRunner.Run("publish", "customer-support", "--dir", _dir);

        Assert.Equal(1, exitCode);
        Assert.Contains("prompt 'customer-support' has no draft to publish. Copy the latest version to customer-support/2.2.0.yaml, set 'status: draft'", error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Publish_DraftIdenticalToTheLatestVersion_ExitsOneAndWritesNothing()
    {
        var copy = Read("customer-support/2.1.0.yaml")
            .Replace("version: 2.1.0", "version: 2.2.0", StringComparison.Ordinal)
            .Replace("status: published", "status: draft", StringComparison.Ordinal)
            .Replace("changelog: Mention", "changelog: Nothing really changed. Mention", StringComparison.Ordinal);
        _cli.Write("prompts/customer-support/2.2.0.yaml", copy);
        var before = Snapshot();

        var (exitCode, _, error) = CliRunner.Run("publish", "customer-support", "--dir", _dir);

        Assert.Equal(1, exitCode);
        Assert.Contains("the draft customer-support@2.2.0 is identical to the published customer-support@2.1.0", error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Publish_TwoDrafts_IsAUsageErrorListingThem()
    {
        _cli.Write("prompts/classify-intent/1.2.0.yaml", Read("classify-intent/1.1.0.yaml").Replace("version: 1.1.0", "version: 1.2.0", StringComparison.Ordinal));

        var (exitCode, _, error) = CliRunner.Run("publish", "classify-intent", "--dir", _dir);
        var chosen = CliRunner.Run("publish", "classify-intent", "--from", "1.2.0", "--dir", _dir);

        Assert.Equal(2, exitCode);
        Assert.Contains("has 2 drafts (1.1.0, 1.2.0). Choose one with --from", error, StringComparison.Ordinal);
        Assert.Equal(0, chosen.ExitCode);
        Assert.StartsWith("Published classify-intent@1.2.0 from draft 1.2.0", chosen.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_UnknownPrompt_ExitsOneWithSuggestion()
    {
        var (exitCode, _, error) = CliRunner.Run("publish", "clasify-intent", "--dir", _dir);

        Assert.Equal(1, exitCode);
        Assert.Contains("Did you mean 'classify-intent'?", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_LibraryWithErrors_RefusesAndWritesNothing()
    {
        _cli.Write("prompts/broken/1.0.0.yaml", "messages: [ oops");
        var before = Snapshot();

        var (exitCode, _, error) = CliRunner.Run("publish", "classify-intent", "--dir", _dir);

        Assert.Equal(1, exitCode);
        Assert.Contains("error PO1001", error, StringComparison.Ordinal);
        Assert.Contains("Nothing was published", error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Publish_WhileAnotherWriterHoldsTheLibrary_FailsCleanlyAndWritesNothing()
    {
        var before = Snapshot();
        using (LibraryWriteLock.Acquire(_dir, "test"))
        {
            var (exitCode, _, error) = CliRunner.Run("publish", "classify-intent", "--dir", _dir);

            Assert.Equal(1, exitCode);
            Assert.Contains("Another 'promptops publish' or 'promptops lock' is writing to", error, StringComparison.Ordinal);
            Assert.Contains("Nothing was changed by this 'publish'", error, StringComparison.Ordinal);
        }

        Assert.Equal(before.Keys.Order(), Snapshot().Keys.Order());
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Publish_ConcurrentRuns_OneWinsAndTheLockStaysValid()
    {
        using var start = new Barrier(4);
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return CliRunner.Run("publish", "classify-intent", "--dir", _dir);
        }, TaskCreationOptions.LongRunning)));

        Assert.Single(runs, r => r.ExitCode == 0);
        Assert.All(runs.Where(r => r.ExitCode != 0), r =>
        {
            Assert.Equal(1, r.ExitCode);
            Assert.True(r.Error.Contains("Another 'promptops publish'", StringComparison.Ordinal) || r.Error.Contains("has no draft to publish", StringComparison.Ordinal), r.Error);
        });
        Assert.Empty(PromptLibrary.LoadDirectory(_dir).Diagnostics);
        Assert.Equal(0, CliRunner.Run("lock", "--check", "--dir", _dir).ExitCode);
        Assert.Empty(Directory.EnumerateFiles(_dir, "*.tmp", SearchOption.AllDirectories));
    }
}
