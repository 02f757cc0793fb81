using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using DotLiquid;
using Fluid;
using HandlebarsDotNet;

namespace PromptOps.Benchmarks;

/// <summary>
/// DESIGN §7 render target: one compiled prompt (3 messages, 6 variables, a loop over 10 items) rendered by PromptOps,
/// by Handlebars.Net (compiled), by DotLiquid directly, and by hand-written interpolation (the floor).
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Render")]
public class RenderBenchmarks
{
    private string _directory = null!;
    private PromptTemplate _prompt = null!;
    private Dictionary<string, object?> _inputs = null!;
    private HandlebarsTemplate<object, object>[] _handlebars = null!;
    private Template[] _liquid = null!;
    private global::Fluid.IFluidTemplate[] _fluid = null!;
    private global::Fluid.TemplateOptions _fluidOptions = null!;
    private Hash _liquidInputs = null!;
    private Dictionary<string, object> _handlebarsInputs = null!;
    private (string Name, int Quantity)[] _items = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("promptops-bench-render-").FullName;
        Directory.CreateDirectory(Path.Combine(_directory, "order-help"));
        File.WriteAllText(Path.Combine(_directory, "order-help", "1.0.0.yaml"), """
            id: order-help
            version: 1.0.0
            status: draft
            inputs:
              company_name: { type: string, required: true }
              customer_name: { type: string, required: true }
              tier: { type: string, required: true }
              order_id: { type: string, required: true }
              items: { type: array, required: true }
              question: { type: string, required: true }
            messages:
              - role: system
                content: "You are a support agent for {{ company_name }}. The customer {{ customer_name }} is a {{ tier }} member; be concise and never invent order data."
              - role: assistant
                content: |
                  Order {{ order_id }} contains:
                  {% for item in items %}- {{ item.name }} x {{ item.quantity }}
                  {% endfor %}
              - role: user
                content: "{{ question }}"
            """);
        var library = PromptLibrary.LoadDirectory(_directory);
        if (library.HasErrors)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, library.Diagnostics));
        }

        _prompt = library.FindVersion("order-help", "1.0.0")!;
        _items = [.. Enumerable.Range(1, 10).Select(i => ($"Item number {i}", i))];
        var itemObjects = _items.Select(i => new Dictionary<string, object?> { ["name"] = i.Name, ["quantity"] = i.Quantity }).ToList();
        _inputs = new Dictionary<string, object?>
        {
            ["company_name"] = "Acme Outdoor",
            ["customer_name"] = "Ann Smith",
            ["tier"] = "gold",
            ["order_id"] = "10023",
            ["items"] = itemObjects,
            ["question"] = "My tent arrived with a broken pole. Can I return it?",
        };

        var handlebars = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true });
        _handlebars =
        [
            handlebars.Compile("You are a support agent for {{company_name}}. The customer {{customer_name}} is a {{tier}} member; be concise and never invent order data."),
            handlebars.Compile("Order {{order_id}} contains:\n{{#each items}}- {{name}} x {{quantity}}\n{{/each}}"),
            handlebars.Compile("{{question}}"),
        ];
        _handlebarsInputs = _inputs.ToDictionary(p => p.Key, p => p.Value!);

        _liquid =
        [
            Template.Parse("You are a support agent for {{ company_name }}. The customer {{ customer_name }} is a {{ tier }} member; be concise and never invent order data."),
            Template.Parse("Order {{ order_id }} contains:\n{% for item in items %}- {{ item.name }} x {{ item.quantity }}\n{% endfor %}"),
            Template.Parse("{{ question }}"),
        ];
        _liquidInputs = Hash.FromDictionary(_inputs.ToDictionary(p => p.Key, p => p.Value is List<Dictionary<string, object?>> list
            ? (object)list.Select(d => Hash.FromDictionary(d.ToDictionary(x => x.Key, x => x.Value!))).ToList()
            : p.Value!));

        var fluidParser = new global::Fluid.FluidParser();
        _fluidOptions = new global::Fluid.TemplateOptionsBuilder().WithCultureInfo(CultureInfo.InvariantCulture).Build();
        _fluid =
        [
            fluidParser.Parse("You are a support agent for {{ company_name }}. The customer {{ customer_name }} is a {{ tier }} member; be concise and never invent order data."),
            fluidParser.Parse("Order {{ order_id }} contains:\n{% for item in items %}- {{ item.name }} x {{ item.quantity }}\n{% endfor %}"),
            fluidParser.Parse("{{ question }}"),
        ];

        // Every contender must produce the same three texts before anything is timed.
        var expected = Interpolation();
        Check("Interpolation over the same inputs", expected, InterpolationOverInputs());
        Check("PromptOps", expected, [.. PromptOps().Messages.Select(m => m.Text)]);
        Check("Handlebars.Net", expected, HandlebarsCompiled());
        Check("DotLiquid", expected, DotLiquid());
        Check("Fluid", expected, FluidEngine());
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true, Description = "interpolation (floor)")]
    public string[] Interpolation()
    {
        var order = new StringBuilder(256);
        order.Append("Order ").Append((string)_inputs["order_id"]!).Append(" contains:\n");
        foreach (var (name, quantity) in _items)
        {
            order.Append("- ").Append(name).Append(" x ").Append(quantity.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return
        [
            $"You are a support agent for {(string)_inputs["company_name"]!}. The customer {(string)_inputs["customer_name"]!} is a {(string)_inputs["tier"]!} member; be concise and never invent order data.",
            order.ToString(),
            (string)_inputs["question"]!,
        ];
    }

    /// <summary>
    /// The same hand-written code reading the loop's items from the input dictionary every engine is given (a list of
    /// dictionaries), instead of from typed tuples prepared in setup: the floor for the same inputs.
    /// </summary>
    [Benchmark(Description = "interpolation over the same inputs")]
    public string[] InterpolationOverInputs()
    {
        var order = new StringBuilder(256);
        order.Append("Order ").Append((string)_inputs["order_id"]!).Append(" contains:\n");
        foreach (var item in (List<Dictionary<string, object?>>)_inputs["items"]!)
        {
            order.Append("- ").Append((string)item["name"]!).Append(" x ").Append(((int)item["quantity"]!).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return
        [
            $"You are a support agent for {(string)_inputs["company_name"]!}. The customer {(string)_inputs["customer_name"]!} is a {(string)_inputs["tier"]!} member; be concise and never invent order data.",
            order.ToString(),
            (string)_inputs["question"]!,
        ];
    }

    [Benchmark(Description = "PromptOps Render")]
    public RenderedPrompt PromptOps() => _prompt.Render(_inputs);

    [Benchmark(Description = "Handlebars.Net (compiled)")]
    public string[] HandlebarsCompiled() => [_handlebars[0](_handlebarsInputs), _handlebars[1](_handlebarsInputs), _handlebars[2](_handlebarsInputs)];

    /// <summary>Fluid itself, the engine PromptOps renders with, without PromptOps's checks and limits: the engine's floor.</summary>
    [Benchmark(Description = "Fluid (parsed once)")]
    public string[] FluidEngine()
    {
        var context = new global::Fluid.TemplateContext(_fluidOptions);
        foreach (var (name, value) in _inputs)
        {
            context.SetValue(name, global::Fluid.Values.FluidValue.Create(value, _fluidOptions));
        }

        return [_fluid[0].Render(context, global::Fluid.NullEncoder.Default), _fluid[1].Render(context, global::Fluid.NullEncoder.Default), _fluid[2].Render(context, global::Fluid.NullEncoder.Default)];
    }

    [Benchmark(Description = "DotLiquid (parsed once)")]
    public string[] DotLiquid() => [_liquid[0].Render(_liquidInputs, CultureInfo.InvariantCulture), _liquid[1].Render(_liquidInputs, CultureInfo.InvariantCulture), _liquid[2].Render(_liquidInputs, CultureInfo.InvariantCulture)];

    private static void Check(string name, string[] expected, string[] actual)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            if (!string.Equals(expected[i].TrimEnd('\n'), actual[i].TrimEnd('\n'), StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{name} rendered message {i + 1} differently:\n--- expected\n{expected[i]}\n--- actual\n{actual[i]}");
            }
        }
    }
}
