using Microsoft.CodeAnalysis;
using Snapshooter;
using Snapshooter.Xunit;

namespace PromptOps.Tests.Generators;

/// <summary>The typed prompt accessors: what is generated, that it compiles and breaks where it should, and bad prompt files.</summary>
public sealed class PromptAccessorGeneratorTests
{
    private const string Usage = """
        namespace Shop;

        public static class Use
        {
            public static string Answer(PromptOps.IPromptCatalog catalog, string question)
            {
                var prompts = new Prompts(catalog);
                var rendered = prompts.CustomerSupport.Render(new(CompanyName: "Acme", Question: question, Tools: ["lookup_order"]));
                var summary = prompts.SummarizeTicket.Render(new(TicketId: "T-1", Messages: ["a", "b"], MaxBullets: 3));
                var intent = prompts.ClassifyIntent.Render(new(Labels: ["returns"], Text: question));
                return rendered.Messages[0].Text + summary.Messages[0].Text + intent.Messages[0].Text + Prompts.CustomerSupportPrompt.Id;
            }
        }
        """;

    [Fact]
    public void Generate_SampleLibrary_MatchesTheSnapshot()
    {
        var run = GeneratorRun.Run(GeneratorRun.SampleLibrary());

        Assert.Empty(run.GeneratorDiagnostics);
        Snapshot.Match(run.Source, new SnapshotNameExtension("sample-library"));
    }

    [Fact]
    public void Generate_SampleLibrary_CompilesWithCodeThatUsesItAsDocumented()
    {
        var run = GeneratorRun.Run(GeneratorRun.SampleLibrary(), Usage);

        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void Generate_InputRenamedInTheYaml_BreaksTheBuildWhereTheCodeUsesIt()
    {
        var renamed = GeneratorRun.SampleLibrary().Select(f => (f.Path, f.Text.Replace("company_name", "company", StringComparison.Ordinal)));

        var run = GeneratorRun.Run(renamed, Usage);

        var error = Assert.Single(run.CompileErrors);
        Assert.Equal("CS1739", error.Id); // the best overload does not have a parameter named 'CompanyName'
        Assert.Contains("CompanyName", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_RequiredInputLeftOut_DoesNotCompile()
    {
        var run = GeneratorRun.Run(GeneratorRun.SampleLibrary(), Usage.Replace("Question: question, ", string.Empty, StringComparison.Ordinal));

        Assert.Contains(run.CompileErrors, e => e.Id == "CS7036"); // there is no argument given for the required 'Question'
    }

    [Fact]
    public void Generate_InputsNamedLikeCSharpKeywords_CompileAndBindTheirYamlNames()
    {
        var run = GeneratorRun.Run(
            [("/lib/kw/1.0.0.yaml", Prompt("kw", "1.0.0", "class: { type: string, required: true }\n  namespace: integer\n  event: { type: boolean, default: false }\n  \"2fa\": string"))],
            "namespace Shop; static class Use { static object R(PromptOps.IPromptCatalog c) => new Prompts(c).Kw.Render(new(Class: \"a\", Namespace: 3, Event: true, _2fa: \"x\")); }");

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
        Assert.Contains("inputs[\"class\"] = Class;", run.Source, StringComparison.Ordinal);
        Assert.Contains("if (_2fa is not null) inputs[\"2fa\"] = _2fa;", run.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_InputsThatCollideAfterPascalCasing_ReportPO1602AtTheSecondOne()
    {
        var run = GeneratorRun.Run([("/lib/order/1.0.0.yaml", Prompt("order", "1.0.0", "order_id: string\n  orderId: string"))]);

        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(("PO1602", DiagnosticSeverity.Error), (diagnostic.Id, diagnostic.Severity));
        Assert.Equal("/lib/order/1.0.0.yaml(9,3)", Where(diagnostic));
        Assert.Contains("'order_id' and 'orderId' both become the C# parameter 'OrderId'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_TwoIdsMappingToOneTypeName_ReportPO1603AndGenerateTheFirst()
    {
        var run = GeneratorRun.Run(
        [
            ("/lib/customer-support/1.0.0.yaml", Prompt("customer-support", "1.0.0", "q: string")),
            ("/lib/customer_support/1.0.0.yaml", Prompt("customer_support", "1.0.0", "q: string")),
        ]);

        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("PO1603", diagnostic.Id);
        Assert.Equal("/lib/customer_support/1.0.0.yaml(1,5)", Where(diagnostic));
        Assert.Contains("CustomerSupportPrompt", run.Source, StringComparison.Ordinal);
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void Generate_YamlThatIsNotAPromptOrNotYaml_ReportsAWarningAtTheLineAndGeneratesTheRest()
    {
        var run = GeneratorRun.Run(
        [
            ("/lib/notes.yaml", "just: a note\n"),
            ("/lib/broken/1.0.0.yaml", "id: broken\nversion: 1.0.0\ninputs: [unclosed\n"),
            ("/lib/ok/1.0.0.yaml", Prompt("ok", "1.0.0", "q: string")),
        ]);

        Assert.Equal(["PO1601 /lib/notes.yaml(1,1)", "PO1605 /lib/broken/1.0.0.yaml(4,1)"], run.GeneratorDiagnostics.Select(d => $"{d.Id} {Where(d)}").Order(StringComparer.Ordinal));
        Assert.Contains("public OkPrompt Ok", run.Source, StringComparison.Ordinal);
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void Generate_InputMeantForAGeneratedMember_ReportsPO1606()
    {
        var run = GeneratorRun.Run([("/lib/p/1.0.0.yaml", Prompt("p", "1.0.0", "to_string: string"))]);

        Assert.Equal("PO1606", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void Generate_VersionsDisagreeOnAnInputsType_WarnsAndTakesAnyValue()
    {
        var run = GeneratorRun.Run(
        [
            ("/lib/p/1.0.0.yaml", Prompt("p", "1.0.0", "n: integer")),
            ("/lib/p/2.0.0.yaml", Prompt("p", "2.0.0", "n: string\n  extra: { type: number, required: true }")),
        ]);

        Assert.Equal("PO1604", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Contains("public PInputs(double Extra, object? N = null)", run.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_AThousandMalformedFiles_NeverThrowsAndReportsEveryOne()
    {
        var random = new Random(29);
        const string alphabet = "id: version 1.0{}[]:-\n\t\"'&*!|>%@`#,?\\ inputs";
        var files = Enumerable.Range(0, 1_000)
            .Select(i => ($"/lib/f{i}.yaml", new string([.. Enumerable.Range(0, random.Next(0, 120)).Select(_ => alphabet[random.Next(alphabet.Length)])])))
            .ToList();

        var run = GeneratorRun.Run(files);

        Assert.All(run.Result.Results, r => Assert.Null(r.Exception)); // a throwing generator is CS8785 in users' builds
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "PO1699");
        Assert.Empty(run.CompileErrors);
    }

    private static string Prompt(string id, string version, string inputs) => $"""
        id: {id}
        version: {version}
        status: published
        model: {"{"} id: gpt-4o-mini {"}"}
        messages:
          - role: user
        inputs:
          {inputs}
        """;

    private static string Where(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        return $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
    }
}
