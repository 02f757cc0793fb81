using System.Text.Json;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Rendering;

/// <summary>
/// The compiled render path against DotLiquid, the reference: every template below is rendered both ways with several
/// kinds of input values (dictionaries, plain objects, JSON) and must give the same text, and the compiled path must
/// have produced it by itself rather than by falling back.
/// </summary>
public sealed class CompiledRenderTests : IDisposable
{
    private const string Inputs = """
        inputs:
          a: { type: string, required: true }
          text: { type: string, default: "" }
          maybe: { type: string }
          none: { type: string }
          n: { type: integer, default: 0 }
          flag: { type: boolean, default: false }
          items: { type: array, default: [] }
          objs: { type: array, default: [] }
          obj: { type: object, default: {} }
        """;

    public static readonly TheoryData<string> Templates =
    [
        "Hello {{ a }}!",
        "{{a}}|{{   a   }}|{{ n }} {{ flag }} [{{ none }}] {{ maybe }}",
        "{{ a | upcase }} {{ a | downcase }} <{{ text | strip }}|{{ text | lstrip }}|{{ text | rstrip }}>",
        "{{ a | append: '!' }} {{ a | prepend: \"> \" }} {{ a | append: '?' | upcase }}",
        "{{ maybe | default: 'none' }} {{ a | default: 'x' }} {{ text | default: 'empty' }}",
        "{{ items | join: ', ' }} / {{ items | join }} / {{ items | size }} {{ items.size }} {{ a | size }} {{ maybe | size }}",
        "{{ items.first }} {{ items.last }} {{ items | first }} {{ items | last }} {{ items[0] }}",
        "{{ items }}",
        "{% for x in items %}{{ forloop.index }}/{{ forloop.length }}:{{ x }}{% if forloop.first %}F{% endif %}{% if forloop.last %}L{% endif %}{% unless forloop.last %},{% endunless %}{% endfor %}",
        "{% for x in items %}{{ forloop.index0 }}{{ forloop.rindex }}{{ forloop.rindex0 }} {% endfor %}",
        "Order:\n{% for o in objs %}- {{ o.name }} x {{ o.quantity }}\n{% endfor %}done",
        "{% if n > 3 %}big{% elsif n == 3 %}three{% else %}small{% endif %}",
        "{% if n >= 3 %}a{% endif %}{% if n <= 3 %}b{% endif %}{% if n < 3 %}c{% endif %}{% if n != 3 %}d{% endif %}{% if n <> 3 %}e{% endif %}",
        "{% if flag and a == 'x' or n >= 2 %}yes{% else %}no{% endif %}",
        "{% if flag or a == 'x' and n == 99 %}yes{% else %}no{% endif %}",
        "{% if a contains 'ell' %}c{% endif %}{% if items contains 'b' %}i{% endif %}{% if a != 'q' %}ne{% endif %}",
        "{% if maybe %}has{% else %}none{% endif %} {% if none == nil %}nil{% endif %} {% if flag == true %}t{% endif %}{% if flag == false %}f{% endif %}",
        "{% unless flag %}off{% else %}on{% endunless %}",
        "{% assign greeting = a | upcase %}{{ greeting }}-{{ greeting | size }}",
        "{% assign x = 'A' %}{% for x in items %}{{ x }}{% endfor %}{{ x }}",
        "{% assign a = 'shadow' %}{{ a }}",
        "{% for x in items %}{% for y in items %}{{ forloop.index }}{{ x }}{{ y }} {% endfor %}{{ forloop.index }};{% endfor %}",
        "{{ obj.name }} {{ obj.nested.deep }} {{ obj['name'] }} [{{ obj.missing }}] [{{ obj.missing.deeper }}]",
        "{% for i in (1..n) %}{{ i }}{% endfor %}|{% for i in (2..4) %}{{ i }}{% endfor %}",
        "{% comment %}hidden {{ a }}{% endcomment %}visible",
        "{{ 'literal' }} {{ 42 }} {{ true }} {{ nil }}",
        "{% if objs.size > 1 %}many{% endif %} {{ objs.first.name }} {{ objs[1].name }}",
        "{{ items | join: ', ' | upcase }}",
        "{{ a }}{ not markup } {x} }}",
        "{{ a }}",
        "{{ n }}",
        "{{ maybe }}",
        "{{ a | upcase }}",
        "Plain text, no tags at all.",
    ];

    private readonly TempPromptLibrary _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(Templates))]
    public void Render_ClrValues_MatchesDotLiquidAndStaysCompiled(string template)
    {
        var prompt = Load(template);
        Assert.True(prompt.IsCompiled, "The template should compile to the fast path.");
        foreach (var inputs in ClrInputSets())
        {
            AssertSameAsDotLiquid(prompt, inputs, mustStayCompiled: true);
        }
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Render_JsonValues_MatchesDotLiquidAndStaysCompiled(string template)
    {
        var prompt = Load(template);
        using var json = JsonDocument.Parse("""
            {
              "a": "hello", "text": "  padded text ", "n": 4, "flag": true, "maybe": "given",
              "items": ["a", "b", "c"],
              "objs": [{ "name": "Tent", "quantity": 1 }, { "name": "Pole", "quantity": 2 }],
              "obj": { "name": "Ann", "nested": { "deep": "yes" } }
            }
            """);
        AssertSameAsDotLiquid(prompt, json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone()), mustStayCompiled: true);
    }

    [Theory]
    [InlineData("{{ d }}", "1.5")]
    [InlineData("{{ obj }}", "hash")]
    [InlineData("{{ items | join: '-' }}", "mixed list")]
    [InlineData("{% if items contains 2 %}two{% endif %}", "int list")]
    [InlineData("{{ a | upcase }}", "non-text")]
    public void Render_ValueTheCompiledPathDoesNotModel_FallsBackToDotLiquidWithTheSameText(string template, string why)
    {
        _dir.Write("p/1.0.0.yaml", """
            inputs:
              a: { type: string, required: true }
              d: { type: number, default: 0 }
              items: { type: array, default: [] }
              obj: { type: object, default: {} }
            messages:
              - role: user
                content: |-
            """ + "\n      " + template + "\n");
        var library = _dir.Load();
        Assert.False(library.HasErrors, string.Join(Environment.NewLine, library.Diagnostics));
        var prompt = library.FindVersion("p", "1.0.0")!;
        var inputs = new Dictionary<string, object?>
        {
            ["a"] = "x",
            ["d"] = 1.5,
            ["items"] = new object?[] { 1, 2.5, true },
            ["obj"] = new Dictionary<string, object?> { ["k"] = "v" },
        };
        Assert.True(prompt.IsCompiled, why);

        // Whether or not this value makes the compiled path fall back, the text is DotLiquid's.
        Assert.Equal(prompt.WithDotLiquidOnly().Render(inputs).Messages[0].Text, prompt.Render(inputs).Messages[0].Text);
    }

    [Theory]
    [InlineData("{% case a %}{% when 'x' %}X{% endcase %}")]
    [InlineData("{% for x in items limit: 2 %}{{ x }}{% endfor %}")]
    [InlineData("{% for x in items reversed %}{{ x }}{% endfor %}")]
    [InlineData("{% for x in items %}{{ x }}{% else %}none{% endfor %}")]
    [InlineData("{% for x in items %}{% if x == 'b' %}{% break %}{% endif %}{{ x }}{% endfor %}")]
    [InlineData("{{ a | truncate: 3 }}")]
    [InlineData("{% capture c %}{{ a }}{% endcapture %}{{ c }}")]
    [InlineData("{% if items == empty %}e{% endif %}")]
    [InlineData("{{ 1.5 }}")]
    [InlineData("{% raw %}{{ a }}{% endraw %}")]
    [InlineData("{%- if flag -%}\n  on\n{%- endif -%}\n after {{- a -}} \n end")]
    [InlineData("  {{- a }}  {{ a -}}  .")]
    public void Load_TemplateOutsideTheCompiledSubset_StaysWithDotLiquidAndRendersTheSame(string template)
    {
        var prompt = Load(template);
        var inputs = ClrInputSets().First();

        Assert.False(prompt.IsCompiled);
        Assert.Equal(prompt.WithDotLiquidOnly().Render(inputs).Messages[0].Text, prompt.Render(inputs).Messages[0].Text);
    }

    [Fact]
    public void Render_PartialInclude_RendersThroughTheCompiledPath()
    {
        _dir.Write("_partials/sign-off.liquid", "Regards, {{ agent | default: 'the team' }}{% for x in items %} {{ x }}{% endfor %}");
        _dir.Write("p/1.0.0.yaml", """
            inputs:
              agent: string
              items: { type: array, default: [] }
            messages:
              - role: user
                content: "Hi. {% include 'sign-off' %}"
            """);
        var library = _dir.Load();
        Assert.False(library.HasErrors, string.Join(Environment.NewLine, library.Diagnostics));
        var prompt = library.FindVersion("p", "1.0.0")!;
        var inputs = new Dictionary<string, object?> { ["agent"] = "Ann", ["items"] = new[] { "x", "y" } };

        Assert.Equal(["Hi. Regards, Ann x y"], prompt.RenderCompiledOnly(inputs)!);
        Assert.Equal("Hi. Regards, Ann x y", prompt.WithDotLiquidOnly().Render(inputs).Messages[0].Text);
    }

    [Fact]
    public void Render_LoopOverTheIterationLimitOnTheCompiledPath_ThrowsTheSameErrorAsDotLiquid()
    {
        _dir.Write("p/1.0.0.yaml", "inputs:\n  items: { type: array, required: true }\nmessages:\n  - role: user\n    content: \"{% for x in items %}{{ x }}{% endfor %}\"\n");
        var prompt = _dir.Load(new PromptRenderLimits { MaxLoopIterations = 3 }).FindVersion("p", "1.0.0")!;
        var inputs = new Dictionary<string, object?> { ["items"] = new[] { "a", "b", "c", "d" } };

        var compiled = Assert.Throws<PromptRenderException>(() => prompt.Render(inputs));
        var reference = Assert.Throws<PromptRenderException>(() => prompt.WithDotLiquidOnly().Render(inputs));

        Assert.True(prompt.IsCompiled);
        Assert.Equal(reference.Message, compiled.Message);
        Assert.Equal(PromptDiagnosticCodes.RenderLimitExceeded, compiled.Code);
    }

    [Theory]
    [InlineData("{{ text }}")]
    [InlineData("A fixed message longer than ten characters.")]
    public void Render_MessageNeedingNoBuildingOverTheSizeLimit_ThrowsTheSameErrorAsDotLiquid(string template)
    {
        _dir.Write("p/1.0.0.yaml", $"inputs:\n  text: {{ type: string, required: true }}\nmessages:\n  - role: user\n    content: \"{template}\"\n");
        var prompt = _dir.Load(new PromptRenderLimits { MaxOutputLength = 10 }).FindVersion("p", "1.0.0")!;
        var inputs = new Dictionary<string, object?> { ["text"] = "longer than ten characters" };

        var compiled = Assert.Throws<PromptRenderException>(() => prompt.Render(inputs));
        var reference = Assert.Throws<PromptRenderException>(() => prompt.WithDotLiquidOnly().Render(inputs));

        Assert.True(prompt.IsCompiled);
        Assert.Equal(reference.Message, compiled.Message);
        Assert.Contains("more than 10 characters", compiled.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_AssignmentInAnEarlierMessage_IsNotSeenByALaterMessageOfOneOutput()
    {
        _dir.Write("p/1.0.0.yaml", """
            inputs:
              a: string
            messages:
              - role: system
                content: "{% assign a = 'shadow' %}{{ a }}"
              - role: user
                content: "{{ a }}"
            """);
        var prompt = _dir.Load().FindVersion("p", "1.0.0")!;
        var inputs = new Dictionary<string, object?> { ["a"] = "input" };

        Assert.Equal(["shadow", "input"], prompt.RenderCompiledOnly(inputs)!);
        Assert.Equal(["shadow", "input"], prompt.WithDotLiquidOnly().Render(inputs).Messages.Select(m => m.Text));
    }

    private PromptTemplate Load(string template)
    {
        var indented = string.Join("\n", template.Split('\n').Select(line => "      " + line));
        _dir.Write("p/1.0.0.yaml", $"{Inputs}\nmessages:\n  - role: user\n    content: |-\n{indented}\n");
        var library = _dir.Load();
        Assert.False(library.HasErrors, string.Join(Environment.NewLine, library.Diagnostics));
        return library.FindVersion("p", "1.0.0")!;
    }

    private static void AssertSameAsDotLiquid(PromptTemplate prompt, Dictionary<string, object?> inputs, bool mustStayCompiled)
    {
        var expected = prompt.WithDotLiquidOnly().Render(inputs).Messages[0].Text;
        Assert.Equal(expected, prompt.Render(inputs).Messages[0].Text);
        if (mustStayCompiled)
        {
            var compiled = prompt.RenderCompiledOnly(inputs);
            Assert.True(compiled is not null, $"The compiled path fell back to DotLiquid for inputs {string.Join(", ", inputs.Keys)}.");
            Assert.Equal(expected, compiled![0]);
        }
    }

    private static IEnumerable<Dictionary<string, object?>> ClrInputSets()
    {
        yield return new Dictionary<string, object?>
        {
            ["a"] = "hello",
            ["text"] = "  padded text ",
            ["n"] = 5,
            ["flag"] = true,
            ["items"] = new List<string> { "a", "b", "c" },
            ["objs"] = new List<Dictionary<string, object?>>
            {
                new() { ["name"] = "Tent", ["quantity"] = 1 },
                new() { ["name"] = "Pole", ["quantity"] = 2L },
            },
            ["obj"] = new Dictionary<string, object?> { ["name"] = "Ann", ["nested"] = new Dictionary<string, object?> { ["deep"] = 1 } },
        };
        yield return new Dictionary<string, object?>
        {
            ["a"] = "x",
            ["n"] = 3L,
            ["items"] = Array.Empty<string>(),
            ["objs"] = new[] { new Line("Rope", 3), new Line("Peg", 12) },
            ["obj"] = new Owner("Bo", new Nested("deep value")),
            ["maybe"] = "given",
        };
        yield return new Dictionary<string, object?>
        {
            ["a"] = "x",
            ["n"] = 1,
            ["flag"] = false,
            ["items"] = new[] { "b" },
            ["objs"] = new[] { new { name = "Anon", quantity = (short)4 } },
        };
    }

    private sealed record Line(string Name, int Quantity);

    private sealed record Owner(string Name, Nested Nested);

    private sealed record Nested(string Deep);
}
