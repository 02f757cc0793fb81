namespace PromptOps.Testing.Tests.Evaluation;

/// <summary>
/// The repository's eval suites run from code inside <c>dotnet test</c>, offline on their cassettes: the pattern
/// docs/testing-and-evaluation.md shows for a user's own test project.
/// </summary>
public class RepositoryEvalSuiteTests
{
    private static readonly string s_evals = Path.Combine(PromptOps.Tests.RepositoryPaths.Root, "tests", "evals");

    [Fact]
    public async Task ClassifyIntent_OnItsCassette_PassesWithoutRegressionAndTheCandidateWins()
    {
        var suite = EvalSuite.Load(Path.Combine(s_evals, "classify-intent.eval.yaml"));
        var library = PromptTestLibrary.Load(suite.PromptsDirectory!).Library;
        using var replay = new CassetteChatClient(Cassette.Open(suite.CassettePath!));

        var report = await EvalRunner.RunAsync(suite, EvalTarget.Resolve(suite, library, _ => replay));
        var baseline = report.CompareTo(EvalReport.Load(Path.Combine(s_evals, "baselines", "classify-intent.json")));

        Assert.True(report.Passed, EvalReportWriter.ToMarkdown(report));
        Assert.Empty(baseline.Regressions);
        Assert.Equal((4, 0), (report.Comparison!.Wins, report.Comparison.Losses));
        Assert.True(report.Comparison.Significant);
    }

    /// <summary>docs/testing-and-evaluation.md's "From code" example, as written there: it must run under dotnet test.</summary>
    [Fact]
    public async Task ClassifyIntent_OnItsCassette_HasNoRegression()
    {
        var suite = EvalSuite.Load(FromRepository("tests/evals/classify-intent.eval.yaml"));
        var library = PromptTestLibrary.Load(suite.PromptsDirectory!).Library;
        using var replay = new CassetteChatClient(Cassette.Open(suite.CassettePath!));

        var report = await EvalRunner.RunAsync(suite, EvalTarget.Resolve(suite, library, _ => replay),
            new EvalRunOptions { JudgeClient = replay });
        var changes = report.CompareTo(EvalReport.Load(FromRepository("tests/evals/baselines/classify-intent.json")));

        Assert.True(report.Passed, EvalReportWriter.ToMarkdown(report));
        Assert.Empty(changes.Regressions);
    }

    [Theory]
    [InlineData("summarize-ticket.eval.yaml")]
    [InlineData("customer-support-tools.eval.yaml")]
    public async Task Suite_OnItsCassette_Passes(string file)
    {
        var suite = EvalSuite.Load(Path.Combine(s_evals, file));
        var library = PromptTestLibrary.Load(suite.PromptsDirectory!).Library;
        using var replay = new CassetteChatClient(Cassette.Open(suite.CassettePath!));

        var report = await EvalRunner.RunAsync(suite, EvalTarget.Resolve(suite, library, _ => replay), new EvalRunOptions { JudgeClient = replay });

        Assert.True(report.Passed, EvalReportWriter.ToMarkdown(report));
    }

    /// <summary>A path relative to the repository root: the nearest folder above the test assembly that has it.</summary>
    private static string FromRepository(string relativePath)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"'{relativePath}' is in no folder above {AppContext.BaseDirectory}.", relativePath);
    }
}
