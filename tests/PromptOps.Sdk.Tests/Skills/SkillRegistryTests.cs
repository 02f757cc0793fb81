using Microsoft.Extensions.AI;
using PromptOps.Tests.TestSupport;
using Snapshooter.Xunit;

namespace PromptOps.Tests.Skills;

public sealed class SkillRegistryTests : IDisposable
{
    private const string SeedSkills = """
        skills:
          order_management:
            version: "2.1.0"
            owner: commerce-team
            enabled: true
            max_tokens: 2000
            tools: [lookup_order, track_shipping, update_order]
          refund_processing:
            version: "1.5.0"
            enabled: true
            max_tokens: 3000
            dependencies: [order_management]
            tools: [check_eligibility, process_refund]
        """;

    private readonly TempPromptLibrary _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Resolve_SeedExample_ReturnsDependenciesFirstAndTheUnionOfTools()
    {
        var registry = SeedRegistry();

        var resolution = registry.Resolve("refund_processing");

        Assert.Equal(["order_management", "refund_processing"], resolution.Skills.Select(s => s.Name));
        Assert.Equal(["lookup_order", "track_shipping", "update_order", "check_eligibility", "process_refund"], resolution.Tools.Select(t => t.Name));
        Assert.Equal(5000, resolution.MaxTokens);
        Assert.Equal("commerce-team", resolution.Skills[0].Owner);
        Assert.Equal("2.1.0", resolution.Skills[0].Version.ToString());
    }

    [Fact]
    public void Resolve_Diamond_EachSkillOnceAfterAllItsDependencies()
    {
        var registry = new SkillRegistry()
            .AddSkill(Skill("top", ["left", "right"]))
            .AddSkill(Skill("left", ["base"]))
            .AddSkill(Skill("right", ["base"]))
            .AddSkill(Skill("base", []));

        var order = registry.Resolve("top").Skills.Select(s => s.Name).ToList();

        Assert.Equal(4, order.Count);
        Assert.Equal("base", order[0]);
        Assert.Equal("top", order[^1]);
        Assert.True(order.IndexOf("left") > order.IndexOf("base") && order.IndexOf("right") > order.IndexOf("base"));
    }

    [Theory]
    [InlineData(1, "a -> a")]
    [InlineData(2, "a -> b -> a")]
    [InlineData(3, "a -> b -> c -> a")]
    [InlineData(4, "a -> b -> c -> d -> a")]
    public void Diagnostics_CycleOfLengthN_PrintsTheCyclePathOnce(int length, string path)
    {
        var names = new[] { "a", "b", "c", "d" }[..length];
        var registry = new SkillRegistry();
        for (var i = 0; i < length; i++)
        {
            registry.AddSkill(Skill(names[i], [names[(i + 1) % length]]));
        }

        var cycle = Assert.Single(registry.Diagnostics, d => d.Code == PromptDiagnosticCodes.SkillDependencyCycle);
        Assert.Contains($"in a cycle: {path}.", cycle.Message, StringComparison.Ordinal);
        var error = Assert.Throws<SkillGraphException>(() => registry.Resolve("a"));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnostics_EveryRuleBroken_AllReportedTogether()
    {
        var path = _dir.Write("skills.yaml", """
            skills:
              billing:
                version: "1.0.0"
                tools: [charge, refund]
                dependencies: [order_managment]
              orders:
                version: "1.0.0"
                tools: [refund]
              reporting:
                version: "1.0.0"
                enabled: true
                dependencies: [legacy]
              legacy:
                version: "0.9.0"
                enabled: false
            """);
        var registry = new SkillRegistry()
            .AddSkillsFromFile(path)
            .AddSkill(Skill("orders", []))
            .AddTool(AIFunctionFactory.Create(() => "ok", "charge"));

        var codes = registry.Diagnostics.Select(d => d.Code).Order(StringComparer.Ordinal).ToList();

        string[] expected = [PromptDiagnosticCodes.UnknownSkillDependency, PromptDiagnosticCodes.UnregisteredTool, PromptDiagnosticCodes.UnregisteredTool, PromptDiagnosticCodes.ToolClaimedTwice, PromptDiagnosticCodes.DependsOnDisabledSkill, PromptDiagnosticCodes.DuplicateSkill];
        Assert.Equal(expected.Order(StringComparer.Ordinal), codes);
        Assert.Contains(registry.Diagnostics, d => d.Message.Contains("depends on 'order_managment', which is not defined", StringComparison.Ordinal) && d.FilePath == path && d.Line == 2);
        Assert.Contains(registry.Diagnostics, d => d.Message.Contains("declares tool 'refund', but no tool of that name is registered", StringComparison.Ordinal));
        Assert.Contains(registry.Diagnostics, d => d.Message.Contains("Tool 'refund' is claimed by skills 'billing' and 'orders'", StringComparison.Ordinal));
        Assert.Contains(registry.Diagnostics, d => d.Message.Contains("'reporting' is enabled but depends on 'legacy', which is disabled", StringComparison.Ordinal));
        Assert.Contains(registry.Diagnostics, d => d.Message.Contains($"Skill 'orders' is defined twice: in {path}(6,3) and in code", StringComparison.Ordinal));
    }

    [Fact]
    public void AddSkillsFromFile_BadValues_ReportedWithLineAndColumn()
    {
        var path = _dir.Write("skills.yaml", """
            skills:
              orders:
                version: two
                max_tokens: -5
                enabled: maybe
                tools: lookup_order
                ownr: me
            """);

        var diagnostics = new SkillRegistry().AddSkillsFromFile(path).Diagnostics;

        Assert.Contains(diagnostics, d => d.Line == 3 && d.Message.Contains("version 'two', which is not SemVer", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Line == 4 && d.Message.Contains("'max_tokens' must be a whole number greater than 0, for example 2000, not '-5'", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Line == 5 && d.Message.Contains("'enabled' must be true or false, not 'maybe'", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Line == 6 && d.Message.Contains("'tools' that is not a list", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Line == 7 && d.Severity == PromptDiagnosticSeverity.Warning && d.Message.Contains("Did you mean 'owner'?", StringComparison.Ordinal));
    }

    [Fact]
    public void AddSkillsFromFile_MalformedYaml_OneErrorWithPosition()
    {
        var path = _dir.Write("skills.yaml", "skills:\n  orders: [unclosed\n");

        var error = Assert.Single(new SkillRegistry().AddSkillsFromFile(path).Diagnostics);

        Assert.Equal(PromptDiagnosticCodes.InvalidSkillsFile, error.Code);
        Assert.True(error.Line > 0);
        Assert.Contains("not valid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSkill_AfterFirstUse_ThrowsBecauseTheRegistryIsFrozen()
    {
        var registry = SeedRegistry();
        registry.Resolve("order_management");

        var error = Assert.Throws<InvalidOperationException>(() => registry.AddSkill(Skill("late", [])));
        Assert.Contains("frozen", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => registry.AddTool(AIFunctionFactory.Create(() => 1, "late_tool")));
    }

    [Fact]
    public void Resolve_UnknownOrDisabledSkill_SaysWhatToDo()
    {
        var registry = SeedRegistry().AddSkill(new SkillDefinition { Name = "archived", Version = PromptVersion.Parse("1.0.0"), Enabled = false });

        Assert.Contains("Did you mean 'order_management'?", Assert.Throws<SkillGraphException>(() => registry.Resolve("order_managment")).Message, StringComparison.Ordinal);
        Assert.Contains("Skill 'archived' is disabled", Assert.Throws<SkillGraphException>(() => registry.Resolve("archived")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_YamlAndCodeSkillsCombined_ResolveAcrossSources()
    {
        var registry = SeedRegistry()
            .AddSkill(new SkillDefinition { Name = "returns_desk", Version = PromptVersion.Parse("0.1.0"), Dependencies = ["refund_processing"], Tools = ["print_label"] })
            .AddTool(AIFunctionFactory.Create(() => "label.pdf", "print_label"));

        var resolution = registry.Resolve("returns_desk");

        Assert.Equal(["order_management", "refund_processing", "returns_desk"], resolution.Skills.Select(s => s.Name));
        Assert.Equal("print_label", resolution.Tools[^1].Name);
    }

    [Fact]
    public void GetSkillGraph_SeedExample_ExportsJson() => Snapshot.Match(SeedRegistry().GetSkillGraph().ToJson());

    [Fact]
    public void GetSkillGraph_SeedExample_ExportsMermaid() => Snapshot.Match(WithDisabled().GetSkillGraph().ToMermaid());

    [Fact]
    public void GetSkillGraph_SeedExample_ExportsDot() => Snapshot.Match(WithDisabled().GetSkillGraph().ToDot());

    private SkillRegistry SeedRegistry()
    {
        var registry = new SkillRegistry().AddSkillsFromFile(_dir.Write("skills.yaml", SeedSkills));
        foreach (var tool in new[] { "lookup_order", "track_shipping", "update_order", "check_eligibility", "process_refund" })
        {
            registry.AddTool(AIFunctionFactory.Create(() => tool, tool));
        }

        return registry;
    }

    private SkillRegistry WithDisabled() => SeedRegistry().AddSkill(new SkillDefinition { Name = "legacy_returns", Version = PromptVersion.Parse("0.3.0"), Enabled = false, Dependencies = ["order_management"] });

    private static SkillDefinition Skill(string name, string[] dependencies) =>
        new() { Name = name, Version = PromptVersion.Parse("1.0.0"), Dependencies = dependencies };
}
