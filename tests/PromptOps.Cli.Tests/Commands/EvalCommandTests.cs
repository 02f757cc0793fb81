using PromptOps.Tests;

namespace PromptOps.Cli.Tests.Commands;

public sealed class EvalCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Evals => Path.Combine(PromptOps.Tests.RepositoryPaths.Root, "tests", "evals");

    public static TheoryData<string> RepositorySuites() => [.. Directory.GetFiles(Evals, "*.eval.yaml").Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(RepositorySuites))]
    public void Eval_RepositorySuiteOnItsCassette_Passes(string suite)
    {
        var baseline = Path.Combine(Evals, "baselines", suite.Replace(".eval.yaml", ".json", StringComparison.Ordinal));
        string[] args = File.Exists(baseline) ? ["eval", Path.Combine(Evals, suite), "--baseline", baseline] : ["eval", Path.Combine(Evals, suite)];

        var (exitCode, output, error) = CliRunner.Run(args);

        Assert.True(exitCode == 0, output + error);
        Assert.DoesNotContain("REGRESSION", output, StringComparison.Ordinal);
        Assert.Contains("Eval passed.", output, StringComparison.Ordinal);
        Assert.Contains("(offline)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_ClassifyIntent_ComparesTheTwoVersions()
    {
        var (exitCode, output, _) = CliRunner.Run("eval", Path.Combine(Evals, "classify-intent.eval.yaml"));

        Assert.Equal(0, exitCode);
        Assert.Contains("candidate vs production: pass rate 100.0% (16/16) vs 75.0% (12/16)", output, StringComparison.Ordinal);
        Assert.Contains("4 win(s), 0 loss(es), 12 tie(s)", output, StringComparison.Ordinal);
        Assert.Contains("production / other-gift-cards failed: json-path $.intent: $.intent = product_question, expected other", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_OutFiles_WritesJsonMarkdownAndHtml()
    {
        var json = Path.Combine(_cli.Root, "out", "report.json");
        var markdown = Path.Combine(_cli.Root, "out", "report.md");
        var html = Path.Combine(_cli.Root, "out", "report.html");

        var (exitCode, _, _) = CliRunner.Run("eval", Path.Combine(Evals, "classify-intent.eval.yaml"), "--out", json, "--out", markdown, "--out", html);

        Assert.Equal(0, exitCode);
        Assert.Equal(2, PromptOps.Testing.EvalReport.Load(json).Targets.Count);
        Assert.Contains("## A/B comparison", File.ReadAllText(markdown), StringComparison.Ordinal);
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(html), StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_TargetOption_RunsOnlyThatTarget()
    {
        var (exitCode, output, _) = CliRunner.Run("eval", Path.Combine(Evals, "classify-intent.eval.yaml"), "--target", "v1=classify-intent@1.0.0");

        Assert.Equal(0, exitCode);
        Assert.Contains("v1 ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("candidate", output, StringComparison.Ordinal);
        Assert.DoesNotContain(" vs ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_RegressionAgainstTheBaseline_ExitsOneAndNamesTheCase()
    {
        // The baseline is the candidate 1.1.0 passing everything; running 1.0.0 under the same target name regresses the "other" cases.
        var baseline = Path.Combine(_cli.Root, "baseline.json");
        Assert.Equal(0, CliRunner.Run("eval", Path.Combine(Evals, "classify-intent.eval.yaml"), "--target", "routing=classify-intent@1.1.0", "--save-baseline", baseline).ExitCode);

        var (exitCode, output, _) = CliRunner.Run("eval", Path.Combine(Evals, "classify-intent.eval.yaml"), "--target", "routing=classify-intent@1.0.0", "--baseline", baseline);

        Assert.Equal(1, exitCode);
        Assert.Contains("4 regression(s)", output, StringComparison.Ordinal);
        Assert.Contains("REGRESSION routing / other-gift-cards: passed -> failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_TargetBelowTheMinimumPassRate_ExitsOne()
    {
        var suite = _cli.Write("strict.eval.yaml", File.ReadAllText(Path.Combine(Evals, "classify-intent.eval.yaml"))
            .Replace("min_pass_rate: 0.75", "min_pass_rate: 0.9", StringComparison.Ordinal)
            .Replace("prompts: ../../prompts", $"prompts: {CliRunner.RepositoryPrompts()}", StringComparison.Ordinal)
            .Replace("cassette: cassettes/", $"cassette: {Evals}/cassettes/", StringComparison.Ordinal)
            .Replace("dataset: datasets/", $"dataset: {Evals}/datasets/", StringComparison.Ordinal));

        var (exitCode, output, _) = CliRunner.Run("eval", suite);

        Assert.Equal(1, exitCode);
        Assert.Contains("FAILED (needs 90%)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_PromptChangedSinceRecording_ErrorsWithAMissInsteadOfCallingAModel()
    {
        var prompts = _cli.CopyRepositoryPrompts();
        var file = Path.Combine(prompts, "classify-intent", "1.1.0.yaml");
        File.WriteAllText(file, File.ReadAllText(file).Replace("Classify the customer's message", "Classify the message", StringComparison.Ordinal));

        var (exitCode, output, _) = CliRunner.Run("eval", Path.Combine(Evals, "classify-intent.eval.yaml"), "--dir", prompts);

        Assert.Equal(1, exitCode);
        Assert.Contains("candidate / refund-broken-tent errored: The cassette", output, StringComparison.Ordinal);
        Assert.Contains("The closest recording (classify-intent@1.1.0) first differs in message 1 (system) at character 14: recorded \"Classify the customer's message into exactly one...\", now \"Classify the message into", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_ReplayFromACassetteThatDoesNotExist_IsAUsageErrorNotAnEmptyReplay()
    {
        var missing = Path.Combine(_cli.Root, "missing.json");

        var (exitCode, _, error) = CliRunner.Run("eval", Path.Combine(Evals, "summarize-ticket.eval.yaml"), "--cassette", missing);

        Assert.Equal(2, exitCode);
        Assert.Contains($"the cassette '{missing}' does not exist", error, StringComparison.Ordinal);
        Assert.DoesNotContain("replaying 0 recording(s)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_LiveModeWithAnEndpointWithoutScheme_IsAUsageErrorNamingTheSamplesSetting()
    {
        var suite = Path.Combine(Evals, "summarize-ticket.eval.yaml");
        var (key, endpoint) = (Environment.GetEnvironmentVariable("OPENAI_API_KEY"), Environment.GetEnvironmentVariable("OpenAI__Endpoint"));
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", "test-key");
        Environment.SetEnvironmentVariable("OpenAI__Endpoint", "localhost:18555");
        try
        {
            var (exitCode, _, error) = CliRunner.Run("eval", suite, "--mode", "live");

            Assert.Equal(2, exitCode);
            Assert.Contains("OpenAI__Endpoint is 'localhost:18555', which is not an http or https URL", error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPENAI_API_KEY", key);
            Environment.SetEnvironmentVariable("OpenAI__Endpoint", endpoint);
        }
    }

    [Fact]
    public async Task Eval_RecordModeWithAnOpenAiCompatibleProvider_RecordsTargetAndJudgeCallsThatReplayOffline()
    {
        // A local OpenAI-compatible endpoint stands in for the provider; the CLI reaches it through the OpenAI client over HTTP.
        using var provider = new OpenAiTestServer(request => OpenAiTestServer.Turn.Text(request.Contains("RUBRIC", StringComparison.Ordinal)
            ? """{"score": 0.9, "reason": "Keeps the facts."}"""
            : "- Customer: the pole broke and a photo was sent; they want a replacement pole. Order A-2210 is stuck in Hamburg, trace open. Charged twice."));
        var suite = _cli.Write("rec.eval.yaml", File.ReadAllText(Path.Combine(Evals, "summarize-ticket.eval.yaml"))
            .Replace("prompts: ../../prompts", $"prompts: {CliRunner.RepositoryPrompts()}", StringComparison.Ordinal)
            .Replace("cassette: cassettes/summarize-ticket.json", "cassette: cassettes/recorded.json", StringComparison.Ordinal));
        var (key, url) = (Environment.GetEnvironmentVariable("OPENAI_API_KEY"), Environment.GetEnvironmentVariable("OPENAI_BASE_URL"));
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", "test-key");
        Environment.SetEnvironmentVariable("OPENAI_BASE_URL", provider.BaseUrl.ToString());
        (int ExitCode, string Output, string Error) recorded;
        try
        {
            recorded = await Task.Run(() => CliRunner.Run("eval", suite, "--mode", "record"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPENAI_API_KEY", key);
            Environment.SetEnvironmentVariable("OPENAI_BASE_URL", url);
        }

        var replayed = CliRunner.Run("eval", suite);

        Assert.True(recorded.ExitCode == 0, recorded.Output + recorded.Error);
        Assert.Contains($"calling the OpenAI-compatible API at {provider.BaseUrl}", recorded.Error, StringComparison.Ordinal);
        Assert.Equal(6, provider.Requests.Count); // 3 cases + 3 judge calls
        Assert.Contains(provider.Requests, r => r.Contains("\"model\":\"gpt-4o-mini\"", StringComparison.Ordinal));
        Assert.Equal(6, PromptOps.Testing.Cassette.Open(Path.Combine(_cli.Root, "cassettes", "recorded.json")).Count);
        Assert.True(replayed.ExitCode == 0, replayed.Output + replayed.Error);
        Assert.Contains("(offline)", replayed.Error, StringComparison.Ordinal);
        Assert.Equal(6, provider.Requests.Count);
    }

    [Fact]
    public void Eval_InvalidSuite_ExitsOneWithDiagnostics()
    {
        var suite = _cli.Write("bad.eval.yaml", "prompt: classify-intent\ncases:\n  - inputs: { text: hi }\n    assert: [{ type: contain, value: x }]\n");

        var (exitCode, _, error) = CliRunner.Run("eval", suite);

        Assert.Equal(1, exitCode);
        Assert.Contains("bad.eval.yaml(4,", error, StringComparison.Ordinal);
        Assert.Contains("PO4003", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing.eval.yaml")]
    [InlineData("classify-intent.eval.yaml", "--mode", "record")]
    [InlineData("classify-intent.eval.yaml", "--target", "classify-intent@1.x")]
    [InlineData("classify-intent.eval.yaml", "--out", "report.pdf")]
    [InlineData("classify-intent.eval.yaml", "--repeats", "0")]
    [InlineData("classify-intent.eval.yaml", "--baseline", "no-such-baseline.json")]
    public void Eval_UsageMistakes_ExitTwo(string suite, params string[] extra)
    {
        var (exitCode, _, error) = CliRunner.Run(["eval", Path.Combine(Evals, suite), .. extra]);

        Assert.True(exitCode == 2, error);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }
}
