using Microsoft.Extensions.AI;

namespace PromptOps.Testing.Tests.Evaluation;

public sealed class EvalRunnerTests : IDisposable
{
    private readonly EvalHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private static FakeChatClient Echo(Func<string, string>? answer = null) => new()
    {
        RespondWith = (messages, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, (answer ?? (t => t))(messages[^1].Text)))
        {
            Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 },
        },
    };

    [Fact]
    public async Task RunAsync_TwoTargets_ReportsPassRatesCostsAndTheComparison()
    {
        var cases = string.Join("\n", Enumerable.Range(1, 10).Select(i => $"  - {{ name: c{i}, inputs: {{ text: 'case {i}' }} }}"));
        var suite = _harness.Suite($"targets:\n  - {{ name: old, prompt: echo@1.0.0 }}\n  - {{ name: new, prompt: echo@1.1.0 }}\nmin_pass_rate: 0.5\nassert:\n  - {{ type: contains, value: case }}\n  - {{ type: not-contains, value: '7' }}\ncases:\n{cases}\n");
        // The old version (one message) echoes; the new one (system message first) always answers "case ok".
        var client = new FakeChatClient
        {
            RespondWith = (messages, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, messages.Count == 1 ? messages[0].Text : "case ok"))
            {
                Usage = new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 100 },
            },
        };

        var report = await EvalRunner.RunAsync(suite, EvalTarget.Resolve(suite, _harness.Library, _ => client));

        var (old, @new) = (report.Targets[0], report.Targets[1]);
        Assert.Equal((10, 9, 1, 0), (old.Runs, old.PassedRuns, old.FailedRuns, old.ErroredRuns));
        Assert.Equal((10, 10), (@new.Runs, @new.PassedRuns));
        Assert.Equal(("echo@1.0.0", "echo@1.1.0"), (old.Prompt, @new.Prompt));
        Assert.False(old.Cases.Single(c => c.CaseId == "c7").Passed);
        Assert.Equal(0.5, old.Cases.Single(c => c.CaseId == "c7").Runs[0].Score);
        Assert.Equal(10 * CostCalculator.Calculate(ModelPriceTable.Default.TryFind("gpt-4o-mini", null, out var m) ? m.Price : null!, new TokenUsage(1000, 100)).Total, old.CostUsd);
        Assert.Equal((10_000, 1_000), (old.InputTokens, old.OutputTokens));
        var notContains = old.Assertions.Single(a => a.Kind == EvalAssertionKind.NotContains);
        Assert.Equal((9, 10), (notContains.Passed, notContains.Evaluated));
        Assert.NotNull(report.Comparison);
        Assert.Equal((1, 0, 9), (report.Comparison.Wins, report.Comparison.Losses, report.Comparison.Ties));
        Assert.True(report.Passed);
    }

    [Fact]
    public async Task RunAsync_Repeats_MeasuresStabilityOfAFlakyCase()
    {
        var calls = 0;
        var flaky = new FakeChatClient { RespondWith = (_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, Interlocked.Increment(ref calls) % 2 == 0 ? "yes" : "no")) };
        var suite = _harness.Suite("prompt: echo\nrepeats: 4\nparallelism: 1\nassert: [{ type: equals, value: 'yes' }]\ncases: [{ name: only, inputs: { text: x } }]\n");

        var report = await _harness.RunAsync(suite, flaky);

        var result = report.Targets[0].Cases.Single();
        Assert.Equal([1, 2, 3, 4], result.Runs.Select(r => r.Repeat));
        Assert.Equal(0.5, result.Stability);
        Assert.False(result.Passed);
        Assert.Equal(4, report.Targets[0].Runs);
        Assert.False(report.Passed);
    }

    [Fact]
    public async Task RunAsync_ManyCasesInParallel_KeepsResultsInSuiteOrder()
    {
        var cases = string.Join("\n", Enumerable.Range(1, 60).Select(i => $"  - {{ name: c{i}, inputs: {{ text: 'n{i}' }}, assert: [{{ type: equals, value: 'n{i}' }}] }}"));
        var slowEcho = Echo();
        slowEcho.Latency = TimeSpan.FromMilliseconds(5);
        var suite = _harness.Suite($"prompt: echo\nparallelism: 16\ncases:\n{cases}\n");

        var report = await _harness.RunAsync(suite, slowEcho);

        Assert.Equal(Enumerable.Range(1, 60).Select(i => $"c{i}"), report.Targets[0].Cases.Select(c => c.CaseId));
        Assert.Equal(60, report.Targets[0].PassedRuns);
    }

    [Fact]
    public async Task RunAsync_RenderOrCallFailure_MarksOnlyThatRunErrored()
    {
        var suite = _harness.Suite("prompt: echo\nmin_pass_rate: 0\ncases:\n  - { name: ok, inputs: { text: fine } }\n  - { name: no-input, inputs: {} }\n  - { name: boom, inputs: { text: boom } }\n");
        var client = Echo(t => t == "boom" ? throw new HttpRequestException("503 Service Unavailable") : t);

        var report = await _harness.RunAsync(suite, client);

        var runs = report.Targets[0].Cases.ToDictionary(c => c.CaseId, c => c.Runs[0]);
        Assert.Equal(EvalOutcome.Passed, runs["ok"].Outcome);
        Assert.Equal(EvalOutcome.Errored, runs["no-input"].Outcome);
        Assert.Contains("'text'", runs["no-input"].Error, StringComparison.Ordinal);
        Assert.Equal(EvalOutcome.Errored, runs["boom"].Outcome);
        Assert.Contains("HttpRequestException: 503 Service Unavailable", runs["boom"].Error, StringComparison.Ordinal);
        Assert.Equal(2, report.Targets[0].ErroredRuns);
    }

    [Fact]
    public async Task RunAsync_CassetteMiss_IsAnErroredRunThatSaysHowToRecord()
    {
        var cassette = Cassette.Open(Path.Combine(_harness.Folder, "empty.json"));
        var suite = _harness.Suite("prompt: echo\ncases: [{ inputs: { text: hi } }]\n");

        var report = await _harness.RunAsync(suite, new CassetteChatClient(cassette));

        var run = report.Targets[0].Cases[0].Runs[0];
        Assert.Equal(EvalOutcome.Errored, run.Outcome);
        Assert.Contains("--mode record", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelOverrideAndSuiteTools_ReachTheClient()
    {
        var client = Echo();
        var suite = _harness.Suite("targets: [{ prompt: echo@1.0.0, model: gpt-4o }]\ntools:\n  - { name: lookup_order, description: Finds an order., parameters: { order_id: string } }\ncases: [{ inputs: { text: hi } }]\n");

        await _harness.RunAsync(suite, client);

        var options = client.Requests.Single().Options!;
        Assert.Equal("gpt-4o", options.ModelId);
        var tool = Assert.IsAssignableFrom<AIFunctionDeclaration>(Assert.Single(options.Tools!));
        Assert.Equal("lookup_order", tool.Name);
        Assert.Contains("order_id", tool.JsonSchema.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_MissingVersion_ListsWhatExists()
    {
        var suite = _harness.Suite("prompt: echo@9.9.9\ncases: [{ inputs: { text: hi } }]\n");

        var ex = Assert.Throws<EvalSuiteException>(() => EvalTarget.Resolve(suite, _harness.Library, _ => Echo()));

        var diagnostic = Assert.Single(ex.Diagnostics);
        Assert.Equal(EvalDiagnosticCodes.PromptNotFound, diagnostic.Code);
        Assert.Contains("1.0.0", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_SavedAndLoaded_RoundTripsForBaselines()
    {
        var suite = _harness.Suite("prompt: echo\ncases: [{ name: a, inputs: { text: hi }, assert: [{ type: equals, value: hi }] }]\n");
        var report = await _harness.RunAsync(suite, Echo());
        var path = Path.Combine(_harness.Folder, "baselines", "echo.json");

        report.Save(path);
        var loaded = EvalReport.Load(path);

        Assert.Equal(report.ToJson(), loaded.ToJson());
        Assert.Equal(EvalOutcome.Passed, loaded.Targets[0].Cases[0].Runs[0].Outcome);
        Assert.Contains("\"pass_rate\": 1", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NotAReport_SaysHowToMakeOne()
    {
        var path = _harness.Write("bad.json", "[1, 2");

        Assert.Contains("--save-baseline", Assert.Throws<InvalidDataException>(() => EvalReport.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompareTo_CaseThatPassedBeforeAndFailsNow_IsARegression()
    {
        var suite = _harness.Suite("prompt: echo\nmin_pass_rate: 0\nassert: [{ type: equals, value: yes }]\ncases:\n  - { name: stays, inputs: { text: a } }\n  - { name: breaks, inputs: { text: b } }\n  - { name: heals, inputs: { text: c } }\n");
        var baseline = await _harness.RunAsync(suite, Echo(t => t == "c" ? "no" : "yes"));

        var current = await _harness.RunAsync(suite, Echo(t => t == "b" ? "no" : "yes"));
        var comparison = current.CompareTo(baseline);

        var regression = Assert.Single(comparison.Regressions);
        Assert.Equal(("echo", "breaks", "passed", "failed"), (regression.Target, regression.CaseId, regression.Before, regression.After));
        Assert.Contains("expected \"yes\", got \"no\"", regression.Reason, StringComparison.Ordinal);
        Assert.Equal("heals", Assert.Single(comparison.Fixes).CaseId);
        Assert.True(comparison.HasRegressions);
        Assert.False(current.CompareTo(current).HasRegressions);
    }

    [Fact]
    public async Task ReportWriter_MarkdownAndHtml_ShowTargetsComparisonAndFailures()
    {
        var suite = _harness.Suite("targets: [{ name: old, prompt: echo@1.0.0 }, { name: new, prompt: echo@1.1.0 }]\nmin_pass_rate: 0\nassert: [{ type: equals, value: <b>yes</b> }]\ncases: [{ name: a, inputs: { text: x } }]\n");
        var report = await _harness.RunAsync(suite, Echo(_ => "no|pipe"));

        var markdown = EvalReportWriter.ToMarkdown(report);
        var html = EvalReportWriter.ToHtml(report);

        Assert.Contains("| old | echo@1.0.0 | gpt-4o-mini |", markdown, StringComparison.Ordinal);
        Assert.Contains("## A/B comparison", markdown, StringComparison.Ordinal);
        Assert.Contains("no\\|pipe", markdown, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;yes&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }
}
