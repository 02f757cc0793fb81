using Microsoft.Extensions.AI;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Prompts;

public class PromptFileParserTests
{
    [Fact]
    public void Load_CompleteFile_ExposesEveryField()
    {
        using var dir = new TempPromptLibrary().With("customer-support/2.1.0.yaml", """
            id: customer-support
            version: 2.1.0
            status: published
            description: First-line answers
            owner: support-team
            feature: customer_support
            tested_on: [gpt-4o, claude-sonnet-4-5]
            changelog: Mention the refund window
            model:
              id: gpt-4o
              temperature: 0.2
              top_p: 0.9
              max_output_tokens: 800
              response_format: json
            budget:
              max_tokens_per_request: 5000
            skills: [order_management]
            inputs:
              company_name: { type: string, required: true }
              tools: { type: array, default: [] }
              question: { type: string, required: true, max_length: 4000 }
              retries: integer
            messages:
              - role: system
                content: |
                  You work for {{ company_name }}. {{ tools | join: ", " }} {{ retries }}
              - role: user
                content: "{{ question }}"
            """);

        var library = dir.Locked().Load();

        Assert.Empty(library.Diagnostics);
        var definition = Assert.Single(library.Prompts).Definition;
        Assert.Equal("customer-support", definition.Id);
        Assert.Equal("2.1.0", definition.Version.ToString());
        Assert.Equal(PromptStatus.Published, definition.Status);
        Assert.Equal("First-line answers", definition.Description);
        Assert.Equal("support-team", definition.Owner);
        Assert.Equal("customer_support", definition.Feature);
        Assert.Equal(["gpt-4o", "claude-sonnet-4-5"], definition.TestedOn);
        Assert.Equal("Mention the refund window", definition.Changelog);
        Assert.Equal("gpt-4o", definition.Model.ModelId);
        Assert.Equal(0.2f, definition.Model.Temperature);
        Assert.Equal(0.9f, definition.Model.TopP);
        Assert.Equal(800, definition.Model.MaxOutputTokens);
        Assert.Equal(PromptResponseFormat.Json, definition.Model.ResponseFormat);
        Assert.Equal(5000, definition.Budget.MaxTokensPerRequest);
        Assert.Equal(["order_management"], definition.Skills);
        Assert.Equal(["company_name", "tools", "question", "retries"], definition.Inputs.Select(i => i.Name));
        Assert.True(definition.Inputs[0].Required);
        Assert.Equal(PromptInputType.Array, definition.Inputs[1].Type);
        Assert.True(definition.Inputs[1].HasDefault);
        Assert.Equal(4000, definition.Inputs[2].MaxLength);
        Assert.Equal(PromptInputType.Integer, definition.Inputs[3].Type);
        Assert.Equal([ChatRole.System, ChatRole.User], definition.Messages.Select(m => m.Role));
        Assert.Equal(26, definition.Messages[0].Line); // the line after "content: |"
    }

    [Fact]
    public void Load_MinimalFile_DefaultsIdVersionFeatureAndStatusFromThePath()
    {
        using var dir = new TempPromptLibrary().With("hello/0.1.0.yaml", """
            messages:
              - role: user
                content: Hi
            """);

        var definition = Assert.Single(dir.Load().Prompts).Definition;

        Assert.Equal("hello", definition.Id);
        Assert.Equal("0.1.0", definition.Version.ToString());
        Assert.Equal("hello", definition.Feature);
        Assert.Equal(PromptStatus.Draft, definition.Status);
    }

    [Fact]
    public void Load_MalformedYaml_ReportsYamlSyntaxWithLineAndColumn()
    {
        using var dir = new TempPromptLibrary().With("bad/1.0.0.yaml", "messages:\n  - role: user\n    content: \"unterminated\n");

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.YamlSyntax);

        Assert.True(diagnostic.IsError);
        Assert.True(diagnostic.Line >= 3, diagnostic.ToString());
        Assert.EndsWith("bad/1.0.0.yaml", diagnostic.FilePath, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownTopLevelKey_WarnsWithNearestKnownKey()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt() + "\ndescripton: typo\n");

        var library = dir.Load();

        var diagnostic = library.Single(PromptDiagnosticCodes.UnknownKey);
        Assert.Equal(PromptDiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains("'descripton'", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'description'?", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal((11, 1), (diagnostic.Line, diagnostic.Column));
        Assert.Single(library.Prompts);
    }

    [Fact]
    public void Load_IdNotMatchingFolder_ReportsIdMismatchAtTheId()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(id: "greetings"));

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.IdMismatch);

        Assert.Equal((1, 5), (diagnostic.Line, diagnostic.Column));
        Assert.Contains("'greetings'", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("'greeting'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FolderNameNotKebabCase_ReportsIdMismatch()
    {
        using var dir = new TempPromptLibrary().With("Greeting_Prompt/1.0.0.yaml", TempPromptLibrary.ValidPrompt(id: "Greeting_Prompt"));

        Assert.Contains(dir.Load().Diagnostics, d => d.Code == PromptDiagnosticCodes.IdMismatch && d.Message.Contains("kebab-case", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_VersionNotMatchingFileName_ReportsInvalidVersion()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.0.1"));

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.InvalidVersion);

        Assert.Equal(2, diagnostic.Line);
        Assert.Contains("'1.0.1'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.0.yaml")]
    [InlineData("latest.yaml")]
    public void Load_FileNameNotSemVer_ReportsInvalidVersion(string fileName)
    {
        using var dir = new TempPromptLibrary().With("greeting/" + fileName, "messages:\n  - role: user\n    content: hi\n");

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.InvalidVersion);

        Assert.Contains("SemVer", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoFilesOfEqualPrecedence_ReportsDuplicateVersion()
    {
        using var dir = new TempPromptLibrary()
            .With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.0.0"))
            .With("greeting/1.0.0+rebuild.yaml", TempPromptLibrary.ValidPrompt(version: "1.0.0+rebuild"));

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.DuplicateVersion);

        Assert.Contains("defined twice", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownRole_ReportsUnknownRoleAtTheValue()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", """
            messages:
              - role: narrator
                content: Once upon a time
            """);

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.UnknownRole);

        Assert.Equal((2, 11), (diagnostic.Line, diagnostic.Column));
        Assert.Contains("'narrator'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("messages: []\n")]
    [InlineData("description: no messages at all\n")]
    [InlineData("messages:\n  - role: user\n")]
    public void Load_NoMessagesOrNoContent_ReportsEmptyMessages(string yaml)
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", yaml);

        Assert.Contains(dir.Load().Diagnostics, d => d.Code == PromptDiagnosticCodes.EmptyMessages && d.IsError);
    }

    [Fact]
    public void Load_WrongValueTypes_ReportsEveryProblemInTheFileAtOnce()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", """
            status: live
            model:
              temperature: hot
              max_output_tokens: -5
              response_format: xml
            inputs:
              name: { type: text }
              age: { type: integer, default: old }
            messages:
              - role: user
                content: "{{ name }} {{ age }}"
            """);

        var errors = dir.Load().Diagnostics.Where(d => d.IsError).ToList();

        Assert.Equal(6, errors.Count);
        Assert.Equal([1, 3, 4, 5, 7, 8], errors.Select(e => e.Line));
    }

    [Fact]
    public void Load_AliasBomb_IsRejectedWithoutExpandingIt()
    {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + string.Join("\n", Enumerable.Range(1, 8).Select(i => $"{(char)('a' + i)}: &{(char)('a' + i)} [*{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}]"))
            + "\nmessages:\n  - role: user\n    content: hi\n";
        using var dir = new TempPromptLibrary().With("bomb/1.0.0.yaml", bomb);

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.YamlTooLarge);

        Assert.Contains("anchors and aliases", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_YmlExtensionAndStrayFiles_AreReportedAsWarnings()
    {
        using var dir = new TempPromptLibrary()
            .With("greeting/1.0.0.yml", TempPromptLibrary.ValidPrompt())
            .With("notes.yaml", "just: notes")
            .With("labels.yaml", "production: {}");

        var warnings = dir.Load().Diagnostics;

        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(PromptDiagnosticCodes.UnexpectedFile, w.Code));
        Assert.Contains(warnings, w => w.Message.Contains("Rename it to '.yaml'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ProblemsInSeveralFiles_AreAllReportedInOneLoad()
    {
        using var dir = new TempPromptLibrary()
            .With("a/1.0.0.yaml", "messages:\n  - role: robot\n    content: x\n")
            .With("b/1.0.0.yaml", "messages: [\n")
            .With("c/1.0.0.yaml", TempPromptLibrary.ValidPrompt(id: "c", body: "{{ nme }}"));

        var library = dir.Load();

        Assert.Equal(3, library.Diagnostics.Count(d => d.IsError));
        Assert.Equal(["a", "b", "c"], library.Diagnostics.Where(d => d.IsError).Select(d => d.FilePath!.Split('/')[^2]));
    }

    [Fact]
    public void ToString_Diagnostic_UsesMsBuildFormat()
    {
        var diagnostic = new PromptDiagnostic(PromptDiagnosticCodes.UnknownRole, PromptDiagnosticSeverity.Error, "Bad role.", "prompts/a/1.0.0.yaml", 12, 5);

        Assert.Equal("prompts/a/1.0.0.yaml(12,5): error PO1007: Bad role.", diagnostic.ToString());
    }
}
