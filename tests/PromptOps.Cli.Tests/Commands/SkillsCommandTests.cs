namespace PromptOps.Cli.Tests.Commands;

public sealed class SkillsCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string RepositorySkills => Path.Combine(CliRunner.RepositoryPrompts(), "skills.yaml");

    [Fact]
    public void SkillsCheck_RepositorySkills_ExitsZero()
    {
        var (exitCode, output, error) = CliRunner.Run("skills", "check", RepositorySkills);

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Contains("2 skill(s), 1 dependency edge(s), 5 tool(s): the skill graph is valid.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void SkillsCheck_Cycle_ExitsOneWithTheCycleInMsBuildFormat()
    {
        var path = _cli.Write("skills.yaml", """
            skills:
              a: { version: "1.0.0", dependencies: [b] }
              b: { version: "1.0.0", dependencies: [a] }
            """);

        var (exitCode, _, error) = CliRunner.Run("skills", "check", path);

        Assert.Equal(1, exitCode);
        Assert.Contains($"{path}(2,3): error PO3002: Skills depend on each other in a cycle: a -> b -> a.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mermaid", "flowchart LR\n")]
    [InlineData("dot", "digraph skills {\n")]
    [InlineData("json", "{\n  \"nodes\": [")]
    public void SkillsGraph_EachFormat_PrintsTheGraph(string format, string start)
    {
        var (exitCode, output, _) = CliRunner.Run("skills", "graph", RepositorySkills, "--format", format);

        Assert.Equal(0, exitCode);
        Assert.StartsWith(start, output, StringComparison.Ordinal);
        Assert.Contains("refund_processing", output, StringComparison.Ordinal);
    }

    [Fact]
    public void SkillsCheck_MissingFile_IsAUsageError()
    {
        var (exitCode, _, error) = CliRunner.Run("skills", "check", Path.Combine(_cli.Root, "nope.yaml"));

        Assert.Equal(2, exitCode);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_LibraryWithBrokenSkillsFile_ReportsItsErrors()
    {
        _cli.Write("prompts/skills.yaml", "skills:\n  a: { version: \"1.0.0\", dependencies: [missing] }\n");

        var (exitCode, _, error) = CliRunner.Run("lint", Path.Combine(_cli.Root, "prompts"));

        Assert.Equal(1, exitCode);
        Assert.Contains("error PO3001: Skill 'a' depends on 'missing', which is not defined.", error, StringComparison.Ordinal);
    }
}
