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
    [InlineData("{{ 'Hello' | upcase }}|{{ 'Hello' | downcase }}|{{ 'hello world' | capitalize }}", "HELLO|hello|Hello world")]
    [InlineData("{{ 'a' | append: 'b' }}|{{ 'a' | prepend: 'b' }}|{{ 'a-b-a' | remove: 'a' }}|{{ 'a-b-a' | replace: 'a', 'x' }}|{{ 'a-b-a' | replace_first: 'a', 'x' }}", "ab|ba|-b-|x-b-x|x-b-a")]
    [InlineData("{{ 'a,b,c' | split: ',' | join: '+' }}|{{ a | first }}|{{ a | last }}|{{ a | size }}|{{ s | size }}", "a+b+c|a|c|3|2")]
    [InlineData("{{ 'Liquid' | slice: 0 }}|{{ 'Liquid' | slice: 2, 3 }}|{{ 'Liquid' | slice: -3, 2 }}", "L|qui|ui")]
    [InlineData("[{{ '  x  ' | strip }}]|[{{ '  x  ' | lstrip }}]|[{{ '  x  ' | rstrip }}]", "[x]|[x  ]|[  x]")]
    [InlineData("{{ 'Ground control to Major Tom.' | truncate: 20 }}|{{ 'Ground control' | truncate: 20 }}", "Ground control to...|Ground control")]
    [InlineData("{{ 4 | plus: 2 }}|{{ 4 | minus: 2 }}|{{ 4 | times: 2 }}|{{ 16 | divided_by: 4 }}|{{ 5 | divided_by: 2 }}|{{ 5 | modulo: 3 }}", "6|2|8|4|2|2")]
    [InlineData("{{ 1.2 | round }}|{{ 2.7 | round }}|{{ 183.357 | round: 2 }}|{{ 1.2 | ceil }}|{{ 1.8 | floor }}|{{ -17 | abs }}", "1|3|183.36|2|1|17")]
    [InlineData("{{ 4 | at_least: 5 }}|{{ 4 | at_most: 3 }}", "5|3")]
    [InlineData("{{ a | reverse | join: ',' }}|{{ 'a,a,b' | split: ',' | uniq | join: ',' }}", "c,B,a|a,b")]
    [InlineData("{{ '<p>hi</p>' | strip_html }}|{{ '<b>' | escape }}|{{ 'a b' | url_encode }}", "hi|&lt;b&gt;|a+b")]
    [InlineData("{% case s %}{% when 'x' %}x{% when 'hi', 'ho' %}matched{% else %}none{% endcase %}", "matched")]
    [InlineData("{% unless s == 'hi' %}no{% else %}yes{% endunless %}", "yes")]
    [InlineData("{% increment c %}{% increment c %}{% decrement d %}", "01-1")]
    [InlineData("{% capture t %}[{{ s }}]{% endcapture %}{{ t }}{{ t }}", "[hi][hi]")]
    [InlineData("{% raw %}{{ s }}{% endraw %}", "{{ s }}")]
    [InlineData("{% for x in a reversed %}{{ x }}{% if forloop.last %}.{% endif %}{% endfor %}", "cBa.")]
    [InlineData("{% for x in (1..5) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", "13")]
    [InlineData("{% for x in empty_list %}{{ x }}{% else %}nothing{% endfor %}", "nothing")]
    public void Render_StandardLiquid_RendersAsTheReferenceDoes(string template, string expected)
    {
        _dir.Write("liquid/1.0.0.yaml", "inputs:\n  a: { type: array, required: true }\n  s: { type: string, required: true }\n  empty_list: { type: array, default: [] }\nmessages:\n  - role: user\n    content: |-\n"
            + string.Join("\n", template.Split('\n').Select(line => "      " + line)) + "\n");
        var library = _dir.Load();
        Assert.False(library.HasErrors, string.Join(Environment.NewLine, library.Diagnostics));

        var text = library.FindVersion("liquid", "1.0.0")!.Render(new { a = new[] { "a", "B", "c" }, s = "hi" }).Messages[0].Text;

        Assert.Equal(expected, text);
    }
}
