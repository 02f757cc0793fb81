using PromptOps.Cli.Lifecycle;
using Snapshooter.Xunit;

namespace PromptOps.Cli.Tests.Commands;

public sealed class LabelCommandsTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string TrimLines(string text) =>
        string.Join('\n', text.ReplaceLineEndings("\n").Split('\n').Select(line => line.TrimEnd()));

    [Fact]
    public void Diff_TwoPublishedVersions_MatchesSnapshot()
    {
        var (exitCode, output, error) = CliRunner.Run("diff", "customer-support", "2.0.0", "2.1.0", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Snapshot.Match(output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Diff_PublishedAndDraft_MatchesSnapshot()
    {
        var (exitCode, output, _) = CliRunner.Run("diff", "classify-intent", "1.0.0", "1.1.0", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Snapshot.Match(output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Diff_SameVersion_SaysThereAreNoDifferences()
    {
        var (exitCode, output, _) = CliRunner.Run("diff", "customer-support", "2.1.0", "2.1.0", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Equal("No differences between customer-support@2.1.0 and customer-support@2.1.0.\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Diff_MissingVersion_ExitsOneListingTheVersions()
    {
        var (exitCode, _, error) = CliRunner.Run("diff", "customer-support", "2.0.0", "3.0.0", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(1, exitCode);
        Assert.Contains("has no version '3.0.0'. Available versions: 2.0.0 (published), 2.1.0 (published).", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_RepositoryPrompts_MatchesSnapshot()
    {
        var (exitCode, output, error) = CliRunner.Run("labels", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Snapshot.Match(TrimLines(output));
    }

    [Fact]
    public void Labels_OneEnvironmentWithoutLabels_ShowsTheHighestPublishedVersions()
    {
        var (exitCode, output, _) = CliRunner.Run("labels", "--env", "development", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Matches(@"development\s+customer-support\s+2\.1\.0\s+highest published", output);
        Assert.DoesNotContain("production", output.Split("Configuration overrides")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_LabelOnAMissingVersion_ExitsOneWithTheError()
    {
        var dir = _cli.CopyRepositoryPrompts();
        File.WriteAllText(Path.Combine(dir, "labels.yaml"), "production:\n  customer-support: 2.5.0\n");

        var (exitCode, _, error) = CliRunner.Run("labels", "--dir", dir);

        Assert.Equal(1, exitCode);
        Assert.Contains("labels.yaml(2,3): error PO1303: The label production/customer-support (labels.yaml) serves version 2.5.0, which does not exist.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activate_WithStore_RecordsTheActivationAndPrintsTheSettingToChange()
    {
        var store = Path.Combine(_cli.Root, "audit", "activations.jsonl");

        var (exitCode, output, error) = CliRunner.Run("activate", "customer-support", "2.0.0", "--env", "production", "--reason", "rollback: refunds (INC-4312)", "--by", "ann", "--store", store, "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Contains("PromptOps:Labels:production:customer-support = 2.0.0", output, StringComparison.Ordinal);
        Assert.Contains("PromptOps__Labels__production__customer-support=2.0.0", output, StringComparison.Ordinal);
        var activation = Assert.Single(await new JsonLinesActivationLog(store).GetHistoryAsync());
        Assert.Equal(("customer-support", "production", "2.1.0", "2.0.0", "ann", "rollback: refunds (INC-4312)"),
            (activation.PromptId, activation.Environment, activation.FromVersion, activation.ToVersion, activation.ActivatedBy, activation.Reason));
    }

    [Fact]
    public void Activate_Split_PrintsTheSplitSetting()
    {
        var (exitCode, output, _) = CliRunner.Run("activate", "customer-support", "2.1.0:90,2.0.0:10", "--env", "production", "--reason", "canary", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Contains("Not recorded (no --store)", output, StringComparison.Ordinal);
        Assert.Contains("PromptOps:Labels:production:customer-support = 2.1.0:90, 2.0.0:10", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("classify-intent", "1.1.0", 1, "which is a draft")]
    [InlineData("customer-support", "9.0.0", 1, "serves version 9.0.0, which does not exist")]
    [InlineData("customer-support", "2.1.0:80,2.0.0:10", 2, "the weights sum to 90")]
    public void Activate_VersionThatCannotBeServed_FailsAndRecordsNothing(string id, string version, int expectedExit, string message)
    {
        var store = Path.Combine(_cli.Root, "activations.jsonl");

        var (exitCode, _, error) = CliRunner.Run("activate", id, version, "--env", "production", "--reason", "test", "--store", store, "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(expectedExit, exitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.False(File.Exists(store));
    }

    [Fact]
    public void Activate_WithoutReason_IsAUsageError()
    {
        var (exitCode, _, error) = CliRunner.Run("activate", "customer-support", "2.0.0", "--env", "production", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(2, exitCode);
        Assert.Contains("--reason", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_WithLabelAndUser_RendersTheVariantThatUserIsServed()
    {
        var input = _cli.Write("input.json", """{"company_name": "Acme", "question": "Can I return my tent?"}""");
        var label = PromptLibrary.LoadDirectory(CliRunner.RepositoryPrompts()).Labels.Single(l => l.Environment == "staging");

        foreach (var user in new[] { "ann", "bob", "carol", "dave", "erin" })
        {
            var (exitCode, output, _) = CliRunner.Run("render", "customer-support", "--label", "staging", "--user", user, "--input", input, "--dir", CliRunner.RepositoryPrompts());
            var variant = label.Choose(user);

            Assert.Equal(0, exitCode);
            Assert.StartsWith($"# customer-support@{variant.Version} (label staging, variant {variant.Name})\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Render_LabelAndExactVersion_IsAUsageError()
    {
        var (exitCode, _, error) = CliRunner.Run("render", "customer-support@2.0.0", "--label", "staging", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(2, exitCode);
        Assert.Contains("either an exact version", error, StringComparison.Ordinal);
    }
}
