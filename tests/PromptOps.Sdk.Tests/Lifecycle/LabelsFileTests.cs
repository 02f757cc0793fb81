using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Lifecycle;

public sealed class LabelsFileTests : IDisposable
{
    private readonly TempPromptLibrary _dir = new TempPromptLibrary()
        .With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt())
        .With("greeting/1.1.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.1.0"))
        .With("greeting/1.2.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.2.0", status: "draft"))
        .With("greeting/0.9.0.yaml", TempPromptLibrary.ValidPrompt(version: "0.9.0", status: "deprecated"))
        .Locked();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_PlainAndSplitLabels_AreExposedWithTheirSource()
    {
        _dir.Write("labels.yaml", """
            production:
              greeting: 1.0.0
            staging:
              greeting:
                salt: spring
                variants:
                  - { version: 1.0.0, weight: 80, name: control }
                  - { version: 1.1.0, weight: 20 }
            """);

        var library = _dir.Load();

        Assert.Empty(library.Diagnostics);
        var production = Assert.Single(library.Labels, l => l.Environment == "production");
        Assert.Equal("1.0.0", production.ToString());
        Assert.False(production.IsSplit);
        Assert.EndsWith("labels.yaml(2,3)", production.Source, StringComparison.Ordinal);
        var staging = Assert.Single(library.Labels, l => l.Environment == "staging");
        Assert.True(staging.IsSplit);
        Assert.Equal("spring", staging.Salt);
        Assert.Equal(["control", "1.1.0"], staging.Variants.Select(v => v.Name));
        Assert.Equal("1.0.0:80, 1.1.0:20; salt=spring", staging.ToString());
    }

    [Fact]
    public void Load_InlineSplitText_IsAccepted()
    {
        _dir.Write("labels.yaml", "production: { greeting: \"1.0.0:50, 1.1.0:50\" }\n");

        var label = Assert.Single(_dir.Load().Labels);

        Assert.Equal(["1.0.0", "1.1.0"], label.Variants.Select(v => v.Version));
    }

    [Theory]
    [InlineData("production:\n  greting: 1.0.0\n", PromptDiagnosticCodes.LabelUnknownPrompt, 2, 3, "names the prompt 'greting', which does not exist. Did you mean 'greeting'?")]
    [InlineData("production:\n  greeting: 3.0.0\n", PromptDiagnosticCodes.LabelUnknownVersion, 2, 3, "serves version 3.0.0, which does not exist. Published versions: 1.0.0, 1.1.0.")]
    [InlineData("production:\n  greeting: 1.2.0\n", PromptDiagnosticCodes.LabelUnknownVersion, 2, 3, "serves version 1.2.0, which is a draft. Labels serve published versions only: run 'promptops publish greeting' first")]
    [InlineData("production:\n  greeting:\n    variants:\n      - { version: 1.0.0, weight: 60 }\n      - { version: 1.1.0, weight: 30 }\n", PromptDiagnosticCodes.InvalidLabels, 4, 7, "the weights sum to 90 (60 + 30), but they must sum to 100.")]
    [InlineData("production:\n  greeting:\n    variants:\n      - { version: 1.0.0, weight: 110 }\n      - { version: 1.1.0, weight: -10 }\n", PromptDiagnosticCodes.InvalidLabels, 4, 7, "weights cannot be negative")]
    [InlineData("production:\n  greeting:\n    variants:\n      - { version: 1.0.0 }\n", PromptDiagnosticCodes.InvalidLabels, 4, 9, "needs 'weight:'")]
    [InlineData("production:\n  greeting: [1.0.0]\n", PromptDiagnosticCodes.InvalidLabels, 2, 13, "must be a version (2.1.0) or a mapping with 'variants'")]
    [InlineData("production: { greeting: 1.0 }\n", PromptDiagnosticCodes.InvalidLabels, 1, 25, "'1.0' is not a SemVer version")]
    [InlineData("- production\n", PromptDiagnosticCodes.InvalidLabels, 1, 1, "must map environments to prompt versions")]
    [InlineData("production: { greeting: [ }\n", PromptDiagnosticCodes.InvalidLabels, 1, 27, "not valid YAML")]
    [InlineData("prod uction:\n  greeting: 1.0.0\n", PromptDiagnosticCodes.InvalidLabels, 1, 1, "'prod uction' is not a valid environment name")]
    [InlineData("Production: { greeting: 1.0.0 }\nproduction: { greeting: 1.1.0 }\n", PromptDiagnosticCodes.InvalidLabels, 2, 1, "The environment 'production' appears twice")]
    public void Load_BadLabel_IsAnErrorAtItsLine(string yaml, string code, int line, int column, string message)
    {
        var path = _dir.Write("labels.yaml", yaml);

        var library = _dir.Load();

        var error = library.Single(code);
        Assert.True(error.IsError);
        Assert.True(library.HasErrors);
        Assert.Equal(path.Replace('\\', '/'), error.FilePath);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LabelOnDeprecatedVersion_IsAWarningForARollback()
    {
        _dir.Write("labels.yaml", "production: { greeting: 0.9.0 }\n");

        var warning = _dir.Load().Single(PromptDiagnosticCodes.LabelDeprecatedVersion);

        Assert.False(warning.IsError);
        Assert.Contains("deprecated. That is fine for an emergency rollback", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownKeyInSplit_WarnsWithSuggestion()
    {
        _dir.Write("labels.yaml", "production:\n  greeting:\n    sallt: x\n    variants: [{ version: 1.0.0, weight: 100 }]\n");

        var warning = _dir.Load().Single(PromptDiagnosticCodes.UnknownKey);

        Assert.Contains("Did you mean 'salt'?", warning.Message, StringComparison.Ordinal);
    }
}
