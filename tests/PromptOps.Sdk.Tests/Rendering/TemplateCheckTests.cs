using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Rendering;

/// <summary>Problems in Liquid templates are found at load, with positions inside the YAML file.</summary>
public class TemplateCheckTests
{
    private const string Header = "inputs:\n  name: { type: string, required: true }\nmessages:\n";

    [Fact]
    public void Load_LiquidSyntaxErrorInBlockScalar_MapsPositionToTheYamlLine()
    {
        // Line 7, column 7 is where '{% if' starts inside the '|' block.
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", Header + """
              - role: system
                content: |
                  Hello {{ name }}.
                  {% if name %}unfinished
            """);

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.TemplateSyntax);

        Assert.Equal((7, 7), (diagnostic.Line, diagnostic.Column));
        Assert.Contains("The 'if' block is never closed", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnclosedOutputInQuotedScalar_MapsPositionToTheColumn()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", Header + "  - role: user\n    content: \"Hi {{ name\"\n");

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.TemplateSyntax);

        Assert.Equal((5, 18), (diagnostic.Line, diagnostic.Column));
    }

    [Theory]
    [InlineData("{% bogus %}", "'bogus' is not a Liquid tag")]
    [InlineData("{% endif %}", "has no matching opening tag")]
    [InlineData("{% else %}", "outside of")]
    [InlineData("{{ name | }}", "not followed by a filter name")]
    [InlineData("{% for x in (1..3) %}", "The 'for' block is never closed")]
    public void Load_BrokenTemplate_ReportsTemplateSyntax(string template, string expected)
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", Header + $"  - role: user\n    content: \"{{{{ name }}}} {template}\"\n");

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.TemplateSyntax);

        Assert.Contains(expected, diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UndeclaredVariable_IsAnErrorWithPositionAndSuggestion()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", Header + "  - role: user\n    content: \"Hi {{ nmae }}\"\n");

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.UndeclaredVariable);

        Assert.Equal((5, 21), (diagnostic.Line, diagnostic.Column));
        Assert.Contains("'nmae'", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'name'?", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_VariablesDefinedByTags_AreNotReportedAsUndeclared()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", """
            inputs:
              items: { type: array, required: true }
              limit: { type: integer, default: 3 }
            messages:
              - role: user
                content: |
                  {% assign shown = items | size %}{% capture title %}List of {{ shown }}{% endcapture %}{{ title }}
                  {% for item in items limit: limit %}{{ forloop.index }}. {{ item.name | upcase }}{% endfor %}
                  {% increment counter %}{% case shown %}{% when 1 %}one{% else %}many{% endcase %}
                  {% raw %}{{ not_a_variable }}{% endraw %}{% comment %}{{ also_not }}{% endcomment %}
            """);

        var library = dir.Load();

        Assert.Empty(library.Diagnostics);
        Assert.Single(library.Prompts);
    }

    [Fact]
    public void Load_UnknownFilter_IsAnErrorWithSuggestion()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", Header + "  - role: user\n    content: \"{{ name | upcaes }}\"\n");

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.UnknownFilter);

        Assert.Contains("Did you mean 'upcase'?", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_IncludeOfMissingPartial_ListsTheAvailablePartials()
    {
        using var dir = new TempPromptLibrary()
            .With("_partials/footer.liquid", "Bye.")
            .With("greeting/1.0.0.yaml", Header + "  - role: user\n    content: \"{{ name }} {% include 'header' %}\"\n");

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.MissingPartial);

        Assert.Contains("'header' does not exist", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("'footer'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{% include '../secrets' %}")]
    [InlineData("{% include '/etc/passwd' %}")]
    [InlineData("{% include 'a\\\\b' %}")]
    [InlineData("{% include name %}")]
    public void Load_IncludeLeavingThePartialsFolderOrNotLiteral_IsRejected(string include)
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", Header + $"  - role: user\n    content: \"{{{{ name }}}} {include}\"\n");

        Assert.Contains(dir.Load().Diagnostics, d => d.Code == PromptDiagnosticCodes.InvalidPartialPath && d.IsError);
    }

    [Fact]
    public void Load_UndeclaredVariableInsidePartial_IsReportedInThePartialFile()
    {
        using var dir = new TempPromptLibrary()
            .With("_partials/sign-off.liquid", "Regards,\n{{ agent_name }}")
            .With("greeting/1.0.0.yaml", Header + "  - role: user\n    content: \"{{ name }} {% include 'sign-off' %}\"\n");

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.UndeclaredVariable);

        Assert.EndsWith("_partials/sign-off.liquid", diagnostic.FilePath, StringComparison.Ordinal);
        Assert.Equal((2, 4), (diagnostic.Line, diagnostic.Column));
        Assert.Contains("included by prompt 'greeting'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PartialsIncludingEachOther_ReportsTheCycle()
    {
        using var dir = new TempPromptLibrary()
            .With("_partials/a.liquid", "{% include 'b' %}")
            .With("_partials/b.liquid", "{% include 'a' %}")
            .With("greeting/1.0.0.yaml", Header + "  - role: user\n    content: \"{{ name }} {% include 'a' %}\"\n");

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.PartialCycle);

        Assert.Contains("a -> b -> a", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_PartialNamedLikeAVariable_RendersThePartialOnceAsFluidDoes()
    {
        using var dir = new TempPromptLibrary()
            .With("_partials/name.liquid", "Hello")
            .With("greeting/1.0.0.yaml", Header + "  - role: user\n    content: \"{{ name }} {% include 'name' %}\"\n");

        var library = dir.Load();

        Assert.DoesNotContain(library.Diagnostics, d => d.IsError);
        Assert.Equal("Ann Hello", library.Prompts.Single().Render(new { name = "Ann" }).Messages[0].Text);
    }

    [Fact]
    public void Load_InputDeclaredButNeverUsed_IsAWarning()
    {
        using var dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", "inputs:\n  name: string\n  unused: string\nmessages:\n  - role: user\n    content: \"{{ name }}\"\n");

        var diagnostic = dir.Load().Single(PromptDiagnosticCodes.UnusedInput);

        Assert.Equal(PromptDiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(3, diagnostic.Line);
    }
}
