namespace PromptOps.Cli.Tests.Commands;

public sealed class LintCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Lint_RepositoryPrompts_ExitsZeroAndSummarises()
    {
        var (exitCode, output, error) = CliRunner.Run("lint", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Contains("OK. 5 prompt version(s) of 3 prompt(s) valid; 0 error(s), 0 warning(s).", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_ErrorsInSeveralFiles_PrintsEveryOneInMsBuildFormatAndExitsOne()
    {
        _cli.Write("a/1.0.0.yaml", "messages:\n  - role: robot\n    content: hi\n");
        _cli.Write("b/1.0.0.yaml", "inputs:\n  name: string\nmessages:\n  - role: user\n    content: \"{{ nam }}\"\n");

        var (exitCode, output, error) = CliRunner.Run("lint", "--dir", _cli.Root);

        Assert.Equal(1, exitCode);
        Assert.Matches(@"a/1\.0\.0\.yaml\(2,11\): error PO1007: The role 'robot' is not valid\.", error);
        Assert.Matches(@"b/1\.0\.0\.yaml\(5,18\): error PO1102: The variable 'nam' is used but not declared", error);
        Assert.Contains("FAILED", output, StringComparison.Ordinal);
        Assert.Contains("2 error(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_WrongValueAndBrokenTemplatesInOneFile_ReportsEveryProblemInOneRun()
    {
        _cli.Write("support/1.0.0.yaml", "model:\n  temperature: 3\ninputs:\n  name: { type: string }\nmessages:\n  - role: system\n    content: \"Hi {{ nme }} {{ name | shout }}\"\n  - role: user\n    content: \"{% for x in items %}{{ x }}\"\n");

        var (exitCode, output, error) = CliRunner.Run("lint", _cli.Root);

        Assert.Equal(1, exitCode);
        var all = output + error;
        Assert.Contains("PO1006", all, StringComparison.Ordinal); // temperature 3
        Assert.Contains("PO1102", all, StringComparison.Ordinal); // nme
        Assert.Contains("PO1103", all, StringComparison.Ordinal); // shout
        Assert.Contains("PO1101", all, StringComparison.Ordinal); // unclosed for
    }

    [Fact]
    public void Lint_MistypedOption_IsAUsageErrorWithTheNearestOption()
    {
        var (exitCode, _, error) = CliRunner.Run("lint", "--strcit");

        Assert.Equal(2, exitCode);
        Assert.Contains("'--strcit' is not an option of 'lint'. Did you mean '--strict'?", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_AnyVerb_NamesTheToolPromptops()
    {
        var (exitCode, output, _) = CliRunner.Run("lint", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:\n  promptops lint", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_OnlyWarnings_ExitsZeroUnlessStrict()
    {
        _cli.Write("a/1.0.0.yaml", "messages:\n  - role: user\n    content: hi\nownr: me\n");

        var relaxed = CliRunner.Run("lint", _cli.Root);
        var strict = CliRunner.Run("lint", _cli.Root, "--strict");

        Assert.Equal(0, relaxed.ExitCode);
        Assert.Contains("warning PO1002: The prompt file has an unknown key 'ownr'; it is ignored. Did you mean 'owner'?", relaxed.Output, StringComparison.Ordinal);
        Assert.Equal(1, strict.ExitCode);
        Assert.Contains("FAILED: 1 warning(s), which --strict treats as errors.", strict.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_MissingDirectory_IsAUsageErrorWithExitTwo()
    {
        var (exitCode, _, error) = CliRunner.Run("lint", Path.Combine(_cli.Root, "nope"));

        Assert.Equal(2, exitCode);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("lint", "--no-such-option")]
    [InlineData("render")]
    public void Run_BadCommandLine_ExitsTwoWithHelpHint(params string[] args)
    {
        var (exitCode, _, error) = CliRunner.Run(args);

        Assert.Equal(2, exitCode);
        Assert.Contains("promptops --help", error, StringComparison.Ordinal);
    }
}
