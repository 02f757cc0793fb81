using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Rendering;

/// <summary>
/// Hostile templates: each must end in a <see cref="PromptRenderException"/> (code PO2004) within the documented limits
/// of one message (steps, output and built text, include depth, time), never in a hang, a crash or another exception.
/// </summary>
public sealed class RenderLimitTests : IDisposable
{
    private readonly TempPromptLibrary _dir = new();

    public void Dispose() => _dir.Dispose();

    private PromptTemplate Load(string content, PromptRenderLimits? limits = null)
    {
        _dir.Write("hostile/1.0.0.yaml", $"inputs:\n  n: {{ type: integer, default: 3 }}\nmessages:\n  - role: user\n    content: \"{content}\"\n");
        var library = _dir.Load(limits);
        Assert.False(library.HasErrors, string.Join(Environment.NewLine, library.Diagnostics));
        return library.FindVersion("hostile", "1.0.0")!;
    }

    private static PromptRenderException Limit(PromptTemplate prompt, string expected)
    {
        var error = Assert.Throws<PromptRenderException>(() => prompt.Render(new { n = 3 }));
        Assert.Equal(PromptDiagnosticCodes.RenderLimitExceeded, error.Code);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void Render_NestedLoopsEachUnderTheLimit_StopAtTheStepLimitOfTheWholeMessage()
    {
        // 9,999 x 9,999 = 99,980,001 iterations: each loop alone is small, the message is not.
        var prompt = Load("{% for i in (1..9999) %}{% for j in (1..9999) %}{% endfor %}{% endfor %}");

        Limit(prompt, "more than 100,000 steps");
    }

    [Fact]
    public void Render_HugeRange_IsRefusedWithoutBuildingIt()
    {
        var prompt = Load("{% for i in (1..2000000000) %}.{% endfor %}");

        Limit(prompt, "more than 100,000 steps");
    }

    [Fact]
    public void Render_PartialsThatEachIncludeTheNextTenTimes_StopAtTheStepLimit()
    {
        for (var i = 0; i < 8; i++)
        {
            _dir.Write($"_partials/f{i}.liquid", string.Concat(Enumerable.Repeat($"{{% include 'f{i + 1}' %}}", 10)));
        }

        _dir.Write("_partials/f8.liquid", "");
        var prompt = Load("{% include 'f0' %}");

        Limit(prompt, "steps");
    }

    [Fact]
    public void Render_CaptureThatDoublesInALoop_StopsAtTheOutputLimitBeforeMemoryRunsOut()
    {
        var prompt = Load("{% capture x %}ab{% endcapture %}{% for i in (1..60) %}{% capture x %}{{ x }}{{ x }}{% endcapture %}{% endfor %}{{ x.size }}");

        Limit(prompt, "more than 262,144 characters");
    }

    [Fact]
    public void Render_AppendThatDoublesInALoop_StopsAtTheOutputLimitBeforeMemoryRunsOut()
    {
        var prompt = Load("{% assign x = 'ab' %}{% for i in (1..60) %}{% assign x = x | append: x %}{% endfor %}{{ x.size }}");

        Limit(prompt, "more than 262,144 characters");
    }

    [Fact]
    public void Render_OutputOverTheLimit_StopsAtTheLimit()
    {
        var prompt = Load("{% for i in (1..5000) %}0123456789{% endfor %}", new PromptRenderLimits { MaxOutputLength = 10_000 });

        Limit(prompt, "more than 10,000 characters");
    }

    [Fact]
    public void Render_WorkAllowedByStepsButNotByTime_StopsAtTheTimeout()
    {
        var prompt = Load(
            "{% for i in (1..2000000) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}",
            new PromptRenderLimits { MaxSteps = int.MaxValue, Timeout = TimeSpan.FromMilliseconds(100) });

        Limit(prompt, "took longer than 100 ms");
    }

    [Fact]
    public void Load_IncludesNestedPastTheLimit_AreRejectedAtLoad()
    {
        for (var i = 0; i < 150; i++)
        {
            _dir.Write($"_partials/p{i}.liquid", i == 149 ? "end" : $"{{% include 'p{i + 1}' %}}");
        }

        _dir.Write("deep/1.0.0.yaml", "messages:\n  - role: user\n    content: \"{% include 'p0' %}\"\n");

        var error = _dir.Load().Single(PromptDiagnosticCodes.PartialCycle);

        Assert.Contains("over the limit of 100", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{{ n | divided_by: 0 }}")]
    [InlineData("{{ n | date: '%Q' }}")]
    [InlineData("{% cycle 'a', 'b' %}{% cycle 'g': 'a', 'b' %}")]
    [InlineData("{{ n | default: 'x', allow_false: false }}")]
    [InlineData("{{ n | slice: -99999999999, 99999999999 }}")]
    public void Render_FilterOrTagOnAnUnexpectedValue_ThrowsOnlyPromptRenderExceptionOrRenders(string content)
    {
        var prompt = Load(content);

        var error = Record.Exception(() => prompt.Render(new { n = 3 }));

        Assert.True(error is null or PromptRenderException, $"Render threw {error?.GetType()}: {error?.Message}");
    }

    public static TheoryData<string> EveryFilter() => [.. LiquidEngine.FilterNames.Order(StringComparer.Ordinal)];

    /// <summary>
    /// The exception contract: every standard filter, applied to a value of every input type with no, one and two
    /// arguments of odd kinds, either renders or throws <see cref="PromptRenderException"/>, never anything else.
    /// </summary>
    [Theory]
    [MemberData(nameof(EveryFilter))]
    public void Render_EveryFilterOnEveryKindOfValue_ThrowsNothingButPromptRenderException(string filter)
    {
        string[] values = ["s", "n", "i", "b", "a", "o", "nothing", "'text'", "-1", "99999999999999999999", "0"];
        string[] arguments = ["", $": {{0}}", $": {{0}}, {{0}}", ": nil, 'x', 3"];
        var templates = values.SelectMany(value => arguments.Select(argument => $"{{{{ {value} | {filter}{string.Format(System.Globalization.CultureInfo.InvariantCulture, argument, value)} }}}}")).ToList();
        const string Inputs = "inputs:\n  s: { type: string }\n  n: { type: number }\n  i: { type: integer }\n  b: { type: boolean }\n  a: { type: array }\n  o: { type: object }\n  nothing: { type: string }\n";
        for (var t = 0; t < templates.Count; t++)
        {
            // One version per template, so a template that fails does not hide the ones after it.
            _dir.Write($"contract/1.0.{t}.yaml", Inputs + $"messages:\n  - role: user\n    content: \"{templates[t]}\"\n");
        }

        var library = _dir.Load();
        Assert.DoesNotContain(library.Diagnostics, d => d.IsError);
        Assert.Equal(templates.Count, library.Prompts.Count);
        object?[] inputs =
        [
            new { s = "Hello, World", n = -2.5, i = 7, b = false, a = new object?[] { 1, "two", null, new[] { 3 } }, o = new Dictionary<string, object?> { ["k"] = "v", ["n"] = null } },
            new { s = "", n = double.MaxValue, i = long.MinValue, b = true, a = Array.Empty<object?>(), o = new Dictionary<string, object?>() },
        ];

        foreach (var prompt in library.Prompts)
        {
            foreach (var input in inputs)
            {
                var error = Record.Exception(() => prompt.Render(input));
                Assert.True(error is null or PromptRenderException, $"'{prompt.Definition.Messages[0].Template}' threw {error?.GetType()}: {error?.Message}");
            }
        }
    }
}
