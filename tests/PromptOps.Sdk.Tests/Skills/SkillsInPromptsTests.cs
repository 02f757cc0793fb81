using System.ComponentModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Skills;

[Skill("shipping", "1.2.0", Owner = "logistics-team", MaxTokens = 500, Dependencies = ["order_management"])]
public static class ShippingSkill
{
    [SkillTool("quote_shipping")]
    [Description("Quotes the shipping price for an order.")]
    public static string QuoteShipping(string orderId) => $"Shipping for {orderId}: 4.90 EUR";
}

public sealed class SkillsInPromptsTests : IDisposable
{
    private const string SkillsYaml = """
        skills:
          order_management:
            version: "2.1.0"
            owner: commerce-team
            max_tokens: 2000
            tools: [lookup_order, track_shipping]
          refund_processing:
            version: "1.5.0"
            max_tokens: 3000
            dependencies: [order_management]
            tools: [process_refund]
        """;

    private readonly TempPromptLibrary _dir = new TempPromptLibrary()
        .With("refunds/1.0.0.yaml", """
            id: refunds
            version: 1.0.0
            status: published
            model: { id: gpt-4o, max_output_tokens: 200 }
            budget: { max_tokens_per_request: 300 }
            skills: [refund_processing]
            inputs:
              question: { type: string, required: true }
            messages:
              - role: system
                content: You handle refunds. Use the tools.
              - role: user
                content: "{{ question }}"
            """);

    private int _lookups;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Render_PromptWithSkills_CarriesTheResolvedToolsAndTheirTokenAllowance()
    {
        using var host = await StartAsync();

        var rendered = host.Services.GetRequiredService<IPromptCatalog>().Get("refunds").Render(new { question = "Refund order 42?" });

        Assert.Equal(["lookup_order", "track_shipping", "process_refund"], rendered.Options.Tools!.Select(t => t.Name));
        Assert.Equal(5000, rendered.Options.AdditionalProperties![PromptOpsChatOptionKeys.SkillTokens]);
    }

    [Fact]
    public async Task UseFunctionInvocation_SkillToolsOfARenderedPrompt_AreInvokedAndRecorded()
    {
        var sink = new CollectingSink();
        var model = Fakes.Replying(respond: (messages, _) => messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any())
            ? new ChatResponse(new ChatMessage(ChatRole.Assistant, "Order 42 is eligible; refund issued.")) { Usage = new UsageDetails { InputTokenCount = 150, OutputTokenCount = 10 } }
            : new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "lookup_order", new Dictionary<string, object?> { ["orderId"] = "42" })])) { Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 20 } });
        using var host = await StartAsync(services =>
        {
            services.AddSingleton<IPromptCallSink>(sink);
            services.AddChatClient(model).UseFunctionInvocation().UsePromptOps();
        });
        var rendered = host.Services.GetRequiredService<IPromptCatalog>().Get("refunds").Render(new { question = "Refund order 42?" });

        var response = await host.Services.GetRequiredService<IChatClient>().GetResponseAsync(rendered.Messages, rendered.Options);
        await host.Services.GetRequiredService<ICallRecordDispatcher>().FlushAsync();

        Assert.Equal("Order 42 is eligible; refund issued.", response.Text);
        Assert.Equal(1, _lookups);
        Assert.Equal(2, sink.Records.Count);
        Assert.Equal(["lookup_order"], sink.Records[0].ToolsCalled);
        Assert.All(sink.Records, r => Assert.Equal(["lookup_order", "track_shipping", "process_refund"], r.ToolsAvailable));
        Assert.All(sink.Records, r => Assert.Equal("refunds", r.PromptId));
    }

    [Fact]
    public async Task TokenBudget_PromptWithSkills_LimitWidenedByTheSkillsMaxTokens()
    {
        var sink = new CollectingSink();
        using var host = await StartAsync(services =>
        {
            services.AddSingleton<IPromptCallSink>(sink);
            services.AddChatClient(Fakes.Replying()).UsePromptOps();
        });
        var rendered = host.Services.GetRequiredService<IPromptCatalog>().Get("refunds").Render(new { question = string.Concat(Enumerable.Repeat("Please refund my broken tent. ", 20)) });
        var client = host.Services.GetRequiredService<IChatClient>();

        await client.GetResponseAsync(rendered.Messages, rendered.Options);
        rendered.Options.AdditionalProperties!.Remove(PromptOpsChatOptionKeys.SkillTokens);
        var error = await Assert.ThrowsAsync<TokenBudgetExceededException>(() => client.GetResponseAsync(rendered.Messages, rendered.Options));

        Assert.Equal(300, error.Limit);
    }

    [Fact]
    public async Task StartAsync_PromptUsesSkillsButNoneRegistered_FailsNamingThePrompt()
    {
        using var host = Hosts.Build(s => s.AddPromptOps().AddPromptDirectory(_dir.Root));

        var error = await Assert.ThrowsAsync<PromptValidationException>(() => host.StartAsync());

        Assert.Contains("Prompt 'refunds@1.0.0' uses skills [refund_processing], but no skills are registered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnregisteredTool_FailsWithTheGraphProblems()
    {
        using var host = Hosts.Build(s => s.AddPromptOps().AddPromptDirectory(_dir.Root).AddSkillsFromFile(_dir.Write("skills.yaml", SkillsYaml)));

        var error = await Assert.ThrowsAsync<SkillGraphException>(() => host.StartAsync());

        Assert.Contains("declares tool 'lookup_order', but no tool of that name is registered", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Diagnostics.Count);
    }

    [Fact]
    public async Task AddSkillsFromAssembly_SkillClass_BecomesASkillWithInvocableTools()
    {
        using var host = await StartAsync(services => services.AddPromptOps().AddSkillsFromAssembly(typeof(ShippingSkill).Assembly));
        var registry = host.Services.GetRequiredService<ISkillRegistry>();

        var resolution = registry.Resolve("shipping");

        Assert.Equal(["order_management", "shipping"], resolution.Skills.Select(s => s.Name));
        var shipping = resolution.Skills[^1];
        Assert.Equal(("1.2.0", "logistics-team", 500), (shipping.Version.ToString(), shipping.Owner, shipping.MaxTokens));
        var quote = Assert.IsAssignableFrom<AIFunction>(resolution.Tools[^1]);
        Assert.Equal("Quotes the shipping price for an order.", quote.Description);
        Assert.Equal("Shipping for 42: 4.90 EUR", (await quote.InvokeAsync(new AIFunctionArguments { ["orderId"] = "42" }))?.ToString());
    }

    private async Task<IHost> StartAsync(Action<IServiceCollection>? configure = null)
    {
        var host = Hosts.Build(services =>
        {
            services.AddPromptOps()
                .AddPromptDirectory(_dir.Root)
                .AddSkillsFromFile(_dir.Write("skills.yaml", SkillsYaml))
                .AddSkillTool(AIFunctionFactory.Create((string orderId) => { Interlocked.Increment(ref _lookups); return $"Order {orderId}: delivered, eligible"; }, "lookup_order"))
                .AddSkillTool(AIFunctionFactory.Create((string orderId) => "in transit", "track_shipping"))
                .AddSkillTool(AIFunctionFactory.Create((string orderId) => "refunded", "process_refund"));
            configure?.Invoke(services);
        });
        await host.StartAsync();
        return host;
    }
}
