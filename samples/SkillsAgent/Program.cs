// PromptOps skills sample: two dependent skills (refund_processing needs order_management) whose tools a model calls
// through UseFunctionInvocation(); every model round trip is budgeted, priced and recorded by UsePromptOps().
//   dotnet run --project samples/SkillsAgent
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PromptOps;
using SkillsAgent;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
builder.Services.AddPromptOps(builder.Configuration.GetSection("PromptOps"))
    .AddEmbeddedPrompts(typeof(Program).Assembly)
    .AddSkillsFromFile(Path.Combine(AppContext.BaseDirectory, "skills.yaml"))
    .AddSkillTool(AIFunctionFactory.Create(OrderTools.LookupOrder, "lookup_order"))
    .AddSkillTool(AIFunctionFactory.Create(OrderTools.TrackShipping, "track_shipping"))
    .AddSkillTool(AIFunctionFactory.Create(OrderTools.UpdateOrder, "update_order"))
    .AddSkillTool(AIFunctionFactory.Create(OrderTools.CheckEligibility, "check_eligibility"))
    .AddSkillTool(AIFunctionFactory.Create(OrderTools.ProcessRefund, "process_refund"))
    .AddCallSink<CallList>();
builder.Services.AddChatClient(new OfflineAgentClient())
    .UseFunctionInvocation()   // runs the tools the model asks for
    .UsePromptOps();           // each round trip: token budget, cost, call record

using var host = builder.Build();
await host.StartAsync();       // validates the prompt, the skill graph and that every declared tool is registered

var skills = host.Services.GetRequiredService<ISkillRegistry>();
Console.WriteLine("Skill graph (Mermaid):");
Console.WriteLine(skills.GetSkillGraph().ToMermaid());

var rendered = host.Services.GetRequiredService<IPromptCatalog>().Get("refund-desk")
    .Render(new { question = "My tent from order 10023 leaks. Can I get my money back?" });
Console.WriteLine($"Prompt {rendered.Prompt} offers the tools of its skills: {string.Join(", ", rendered.Options.Tools!.Select(t => t.Name))}");
Console.WriteLine();

using (PromptOpsContext.Begin(userId: "customer-4711"))
{
    Console.WriteLine("Calling the model [offline demo model: no LLM is called]:");
    var response = await host.Services.GetRequiredService<IChatClient>().GetResponseAsync(rendered.Messages, rendered.Options);
    Console.WriteLine();
    Console.WriteLine($"Answer: {response.Text}");
}

await host.Services.GetRequiredService<ICallRecordDispatcher>().FlushAsync();
Console.WriteLine();
Console.WriteLine("Call records (one per model round trip):");
foreach (var call in host.Services.GetRequiredService<CallList>().Records)
{
    Console.WriteLine($"  {call.RequestId[..8]}  {call.PromptId}@{call.PromptVersion}  {call.InputTokens} in / {call.OutputTokens} out  ${call.Cost:0.000000}  " +
                      $"tools offered: {call.ToolsAvailable.Count}, called: [{string.Join(", ", call.ToolsCalled)}]  finish: {call.FinishReason}");
}

await host.StopAsync();

/// <summary>Keeps the call records so the sample can print them.</summary>
internal sealed class CallList : IPromptCallSink
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<PromptCallRecord> _records = new();

    public IEnumerable<PromptCallRecord> Records => _records;

    public ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            _records.Enqueue(record);
        }

        return ValueTask.CompletedTask;
    }
}
