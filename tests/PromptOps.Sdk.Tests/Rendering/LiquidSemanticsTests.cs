using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Rendering;

/// <summary>
/// Templates render as Liquid (Shopify's reference semantics, as Fluid implements them), including the cases the former
/// engine got wrong; inputs are declared, so each template reads <c>a</c> (a list) and <c>s</c> (a text).
/// </summary>
public sealed class LiquidSemanticsTests : IDisposable
{
    private readonly TempPromptLibrary _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("{{ false | default: 'bar' }}", "bar")]
    [InlineData("{% if 1 == '1' %}yes{% else %}no{% endif %}", "no")]
    [InlineData("{% for c in 'hello' %}[{{ c }}]{% endfor %}", "[hello]")]
    [InlineData("{% for x in a %}{% for y in a %}{{ forloop.parentloop.index }}{% endfor %}{% endfor %}", "111222333")]
    [InlineData("{{ 'March 14, 2016' | date: '%b %d, %y' }}", "Mar 14, 16")]
    [InlineData("{{ a | sort | join: ',' }}", "B,a,c")]
    [InlineData("x {%- if true -%} y {%- endif -%} z", "xyz")]
    [InlineData("{{ 'one two three four' | truncatewords: 2 }}", "one two...")]
    [InlineData("{% echo s | upcase %}", "HI")]
    [InlineData("{% liquid\n assign t = s | append: '!'\n echo t\n%}", "hi!")]
    [InlineData("{% for x in a limit: 1 %}{{ x }}{% endfor %}{% for x in a offset: continue %}{{ x }}{% endfor %}", "aBc")]
    [InlineData("{% comment %}outer {% comment %}inner{% endcomment %}{% endcomment %}done", "done")]
    [InlineData("{{ s | default: 'x', allow_false: false }}", "hi")]
    [InlineData("{% cycle 'g': 'a', 'b' %}{% cycle 'g': 'a', 'b' %}", "ab")]
    public void Render_StandardLiquid_RendersAsTheReferenceDoes(string template, string expected)
    {
        _dir.Write("liquid/1.0.0.yaml", "inputs:\n  a: { type: array, required: true }\n  s: { type: string, required: true }\nmessages:\n  - role: user\n    content: |-\n"
            + string.Join("\n", template.Split('\n').Select(line => "      " + line)) + "\n");
        var library = _dir.Load();
        Assert.False(library.HasErrors, string.Join(Environment.NewLine, library.Diagnostics));

        var text = library.FindVersion("liquid", "1.0.0")!.Render(new { a = new[] { "a", "B", "c" }, s = "hi" }).Messages[0].Text;

        Assert.Equal(expected, text);
    }
}
