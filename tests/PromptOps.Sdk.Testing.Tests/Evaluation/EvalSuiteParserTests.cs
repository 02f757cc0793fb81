namespace PromptOps.Testing.Tests.Evaluation;

public sealed class EvalSuiteParserTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("promptops-suite-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        return path;
    }

    private EvalSuiteException Invalid(string yaml) =>
        Assert.Throws<EvalSuiteException>(() => EvalSuite.Load(Write("suite.eval.yaml", yaml)));

    [Fact]
    public void Load_RepositorySuites_AreValid()
    {
        foreach (var path in Directory.GetFiles(Path.Combine(PromptOps.Tests.RepositoryPaths.Root, "tests", "evals"), "*.eval.yaml"))
        {
            var suite = EvalSuite.Load(path);
            Assert.NotEmpty(suite.Cases);
            Assert.True(File.Exists(suite.CassettePath), $"{path} names a cassette that does not exist");
        }
    }

    [Fact]
    public void Load_FullSuite_ReadsTargetsCasesAssertionsAndSettings()
    {
        Write("data.jsonl", """
            {"name": "gift", "inputs": {"text": "Gift cards?"}, "expected_intent": "other"}

            {"inputs": {"text": "Refund please"}, "expected_intent": "refund"}
            """);
        var suite = EvalSuite.Load(Write("suite.eval.yaml", """
            name: routing
            prompts: prompts
            targets:
              - { name: a, prompt: classify-intent@1.0.0 }
              - { prompt: classify-intent, label: staging, model: gpt-4o }
            inputs: { labels: [refund, other] }
            dataset: data.jsonl
            threshold: 0.5
            min_pass_rate: 0.9
            repeats: 3
            assert:
              - type: icontains-any
                value: [refund, other]
              - { type: json-path, path: $.intent, value_from: expected_intent, weight: 3 }
            cases:
              - name: inline
                inputs: { text: Hello }
                vars: { expected_intent: other }
                assert: [{ type: max-latency, value: 500 }]
            """));

        Assert.Equal("routing", suite.Name);
        Assert.Equal(Path.Combine(_folder.FullName, "prompts"), suite.PromptsDirectory);
        Assert.Equal(["a", "classify-intent#staging/gpt-4o"], suite.Targets.Select(t => t.Name));
        Assert.Equal(("1.0.0", (string?)null), (suite.Targets[0].PromptVersion, suite.Targets[0].Label));
        Assert.Equal(["inline", "gift", "line-3"], suite.Cases.Select(c => c.Id));
        Assert.Equal(["refund", "other"], (IEnumerable<object?>)suite.Cases[1].Inputs["labels"]!);
        Assert.Equal("refund", suite.Cases[2].Vars["expected_intent"]);
        Assert.Equal((EvalAssertionKind.ContainsAny, true, 2), (suite.Assertions[0].Kind, suite.Assertions[0].IgnoreCase, suite.Assertions[0].Values.Count));
        Assert.Equal(3, suite.Assertions[1].Weight);
        Assert.Equal(500, suite.Cases[0].Assertions.Single().Limit);
        Assert.Equal((0.5, 0.9, 3), (suite.Threshold, suite.MinPassRate, suite.Repeats));
    }

    [Fact]
    public void Load_MalformedJsonLine_NamesTheFileAndLine()
    {
        Write("data.jsonl", "{\"inputs\": {\"text\": \"ok\"}}\n{\"inputs\": {\"text\": \"broken\"\n");

        var ex = Invalid("prompt: classify-intent\ndataset: data.jsonl\n");

        var diagnostic = Assert.Single(ex.Diagnostics);
        Assert.Equal(EvalDiagnosticCodes.MalformedDatasetLine, diagnostic.Code);
        Assert.EndsWith("data.jsonl", diagnostic.FilePath, StringComparison.Ordinal);
        Assert.Equal(2, diagnostic.Line);
        Assert.Contains("Line 2", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ValueFromAColumnACaseLacks_NamesTheCaseAndItsColumns()
    {
        Write("data.jsonl", "{\"name\": \"a\", \"inputs\": {\"text\": \"x\"}, \"expected\": \"refund\"}\n{\"name\": \"b\", \"inputs\": {\"text\": \"y\"}}\n");

        var ex = Invalid("prompt: classify-intent\ndataset: data.jsonl\nassert:\n  - { type: equals, value_from: expected }\n");

        var diagnostic = Assert.Single(ex.Diagnostics);
        Assert.Equal(EvalDiagnosticCodes.MissingColumn, diagnostic.Code);
        Assert.Contains("case 'b' (data.jsonl(2,1))", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("Its columns are: text", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CsvDataset_ReadsQuotedFieldsAndChecksTheInputColumns()
    {
        Write("data.csv", "name,text,expected\nrefund,\"I want a refund, now\",refund\n,\"Where is it?\",shipping\n");
        var suite = EvalSuite.Load(Write("ok.eval.yaml", "prompt: classify-intent\ndataset: { file: data.csv, inputs: [text] }\n"));

        Assert.Equal(["refund", "row-2"], suite.Cases.Select(c => c.Id));
        Assert.Equal("I want a refund, now", suite.Cases[0].Inputs["text"]);
        Assert.False(suite.Cases[0].Inputs.ContainsKey("expected"));
        Assert.Equal("shipping", suite.Cases[1].Vars["expected"]);

        var ex = Invalid("prompt: classify-intent\ndataset: { file: data.csv, inputs: [question] }\n");
        Assert.Contains("'question', which the CSV header does not have. Its columns are: name, text, expected", Assert.Single(ex.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CsvRowWithTooManyFields_NamesTheLine()
    {
        Write("data.csv", "text,expected\nhello,refund\na,b,c\n");

        var diagnostic = Assert.Single(Invalid("prompt: classify-intent\ndataset: data.csv\n").Diagnostics);

        Assert.Equal((EvalDiagnosticCodes.MalformedDatasetLine, 3), (diagnostic.Code, diagnostic.Line));
    }

    [Theory]
    [InlineData("prompt: x\ncases: [{ inputs: {} }]\nasert: []\n", "PO4002", 3, "Did you mean 'assert'?")]
    [InlineData("prompt: x\ncases:\n  - inputs: {}\n    assert: [{ type: contain, value: a }]\n", "PO4003", 4, "Did you mean 'contains'?")]
    [InlineData("prompt: x\ncases:\n  - inputs: {}\n    assert: [{ type: equals }]\n", "PO4004", 4, "needs 'value'")]
    [InlineData("prompt: x\ncases:\n  - inputs: {}\n    assert: [{ type: regex, value: '([a-z' }]\n", "PO4009", 4, "does not compile")]
    [InlineData("prompt: x\ncases:\n  - inputs: {}\n    assert: [{ type: llm-judge, rubric: Is polite }]\n", "PO4011", 4, "needs a judge model")]
    [InlineData("prompt: x\ndataset: missing.jsonl\n", "PO4005", 2, "does not exist")]
    [InlineData("cases: [{ inputs: {} }]\n", "PO4002", 1, "names no prompt")]
    [InlineData("prompt: x@2.x\ncases: [{ inputs: {} }]\n", "PO4002", 1, "not a prompt reference")]
    [InlineData("prompt: x\ncases: [{ name: a, inputs: {} }, { name: a, inputs: {} }]\n", "PO4010", 1, "2 cases are named 'a'")]
    [InlineData("prompt: x\ncases: [{ inputs: {} }]\nthreshold: 1.5\n", "PO4002", 3, "from 0 to 1")]
    [InlineData("prompt: x\ncases: [{ inputs: {} }]\nassert: [{ type: max-tokens, value: 10, of: words }]\n", "PO4004", 3, "not a token count")]
    [InlineData("prompt: x\ncases:\n  - inputs: {}\n  assert: []\n", "PO4001", 4, "not valid YAML")]
    public void Load_BadSuite_ReportsCodeLineAndFix(string yaml, string code, int line, string fragment)
    {
        var ex = Invalid(yaml);

        var diagnostic = ex.Diagnostics[0];
        Assert.Equal(code, diagnostic.Code);
        Assert.Equal(line, diagnostic.Line);
        Assert.Contains(fragment, diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("suite.eval.yaml(", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_SaysWhatToPass() =>
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => EvalSuite.Load(Path.Combine(_folder.FullName, "nope.yaml"))).Message, StringComparison.Ordinal);
}
