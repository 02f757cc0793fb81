namespace PromptOps.Cli.Tests.Commands;

public sealed class LockCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void LockCheck_RepositoryPrompts_ExitsZero()
    {
        var (exitCode, output, error) = CliRunner.Run("lock", "--check", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Equal("OK: 4 published version(s) match prompts.lock.json.\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Lock_NewLibrary_WritesEveryPublishedVersionAndCheckThenPasses()
    {
        var dir = _cli.CopyRepositoryPrompts();
        File.Delete(Path.Combine(dir, "prompts.lock.json"));
        Assert.Equal(1, CliRunner.Run("lock", "--check", "--dir", dir).ExitCode);

        var (exitCode, output, _) = CliRunner.Run("lock", "--dir", dir);

        Assert.Equal(0, exitCode);
        Assert.Contains("4 published version(s) locked (4 added, 0 dropped)", output, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(CliRunner.RepositoryPrompts(), "prompts.lock.json")), File.ReadAllText(Path.Combine(dir, "prompts.lock.json")));
        Assert.Equal(0, CliRunner.Run("lock", "--check", "--dir", dir).ExitCode);
        Assert.Contains("is up to date", CliRunner.Run("lock", "--dir", dir).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void LockCheck_EditedPublishedVersion_ExitsOneWithTheImmutabilityError()
    {
        var dir = _cli.CopyRepositoryPrompts();
        var file = Path.Combine(dir, "customer-support", "2.0.0.yaml");
        File.WriteAllText(file, File.ReadAllText(file).Replace("temperature: 0.3", "temperature: 0.9", StringComparison.Ordinal));

        var (exitCode, output, error) = CliRunner.Run("lock", "--check", "--dir", dir);

        Assert.Equal(1, exitCode);
        Assert.Matches(@"customer-support/2\.0\.0\.yaml\(1,1\): error PO1201: Prompt 'customer-support' version 2\.0\.0 was changed after it was published", error);
        Assert.StartsWith("FAILED: 1 problem(s).", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Lock_EditedPublishedVersion_RefusesToRehashAndWritesNothing()
    {
        var dir = _cli.CopyRepositoryPrompts();
        var lockFile = Path.Combine(dir, "prompts.lock.json");
        var before = File.ReadAllText(lockFile);
        var file = Path.Combine(dir, "customer-support", "2.0.0.yaml");
        File.AppendAllText(file, "# sneaky edit\n");

        var (exitCode, _, error) = CliRunner.Run("lock", "--dir", dir);

        Assert.Equal(1, exitCode);
        Assert.Contains("never re-hashes an edited published version", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(lockFile));
    }

    [Fact]
    public void LockCheck_UnlockedPublishedVersion_IsAnErrorUnderCheck()
    {
        var dir = _cli.CopyRepositoryPrompts();
        var source = File.ReadAllText(Path.Combine(dir, "summarize-ticket", "1.0.0.yaml"));
        File.WriteAllText(Path.Combine(dir, "summarize-ticket", "1.1.0.yaml"), source.Replace("version: 1.0.0", "version: 1.1.0", StringComparison.Ordinal));

        var (exitCode, _, error) = CliRunner.Run("lock", "--check", "--dir", dir);
        var lint = CliRunner.Run("lint", "--dir", dir);
        var strict = CliRunner.Run("lint", "--strict", "--dir", dir);

        Assert.Equal(1, exitCode);
        Assert.Contains("summarize-ticket/1.1.0.yaml(1,1): error PO1202:", error, StringComparison.Ordinal);
        Assert.Equal(0, lint.ExitCode); // a warning without --strict
        Assert.Contains("warning PO1202", lint.Output, StringComparison.Ordinal);
        Assert.Equal(1, strict.ExitCode);
    }

    [Fact]
    public void Lock_DeletedPublishedVersion_DropsItsEntry()
    {
        var dir = _cli.CopyRepositoryPrompts();
        File.Delete(Path.Combine(dir, "customer-support", "2.0.0.yaml"));
        File.WriteAllText(Path.Combine(dir, "labels.yaml"), "production: { customer-support: 2.1.0 }\n");
        Assert.Equal(1, CliRunner.Run("lock", "--check", "--dir", dir).ExitCode);

        var (exitCode, output, _) = CliRunner.Run("lock", "--dir", dir);

        Assert.Equal(0, exitCode);
        Assert.Contains("dropped  customer-support@2.0.0 (its file is gone)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("2.0.0", File.ReadAllText(Path.Combine(dir, "prompts.lock.json")).Split("customer-support")[1].Split('}')[0], StringComparison.Ordinal);
    }

    [Fact]
    public void LockCheck_MalformedLockFile_ExitsOneWithPosition()
    {
        var dir = _cli.CopyRepositoryPrompts();
        File.WriteAllText(Path.Combine(dir, "prompts.lock.json"), "{ \"lockVersion\": 1,\n  \"prompts\": { \"customer-support\": { \"2.0.0\": 42 } } }\n");

        var (exitCode, _, error) = CliRunner.Run("lock", "--check", "--dir", dir);

        Assert.Equal(1, exitCode);
        Assert.Contains("prompts.lock.json(2,47): error PO1204: The hash of 'customer-support' version '2.0.0' must be", error, StringComparison.Ordinal);
    }
}
