// PromptOps QuickStart: load the embedded prompt library, render a prompt, send it through an IChatClient.
//   dotnet run --project samples/QuickStart
// With OPENAI_API_KEY set (and optionally OpenAI__Endpoint / OpenAI__Model), the call goes to a real model.
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptOps;
using QuickStart;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.Services.AddPromptOps(builder.Configuration.GetSection("PromptOps"))
    .AddEmbeddedPrompts(typeof(Program).Assembly);   // prompts/**/*.yaml and _partials/*.liquid, embedded at build

var clientDescription = string.Empty;
builder.Services.AddChatClient(_ => ChatClientFactory.Create(builder.Configuration, defaultModel: "gpt-4o-mini", out clientDescription));

using var host = builder.Build();
try
{
    await host.StartAsync();   // validates options and every prompt file; a bad file stops here with all its problems
}
catch (PromptValidationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

var catalog = host.Services.GetRequiredService<IPromptCatalog>();
var chatClient = host.Services.GetRequiredService<IChatClient>();

Console.WriteLine("Prompt library (embedded in the QuickStart assembly):");
foreach (var version in catalog.List())
{
    var served = catalog.TryGet(version.Id, out var active) && active.Version == version.Version ? "  <- served by default" : string.Empty;
    Console.WriteLine($"  {version.Id,-18} {version.Version,-8} {version.Status.ToString().ToLowerInvariant(),-10} {version.Definition.Description}{served}");
}

// At the call site: get the version served for this environment and render it with typed inputs.
var prompt = catalog.Get("customer-support");
var rendered = prompt.Render(new
{
    company_name = "Acme Outdoor",
    question = "My tent arrived with a broken pole. Can I return it? Order 10023.",
    tools = new[] { "lookup_order", "track_shipping" },
});

Console.WriteLine();
Console.WriteLine("Rendered prompt:");
Console.WriteLine(rendered);

Console.WriteLine($"Sending to: {clientDescription}");
try
{
    var response = await chatClient.GetResponseAsync(rendered.Messages, rendered.Options);
    Console.WriteLine();
    Console.WriteLine("Answer:");
    Console.WriteLine(response.Text);
    if (response.Usage is { } usage)
    {
        Console.WriteLine($"(tokens: {usage.InputTokenCount} in, {usage.OutputTokenCount} out)");
    }
}
catch (Exception ex) when (ex is HttpRequestException or System.ClientModel.ClientResultException or AggregateException)
{
    var cause = ex is AggregateException aggregate ? aggregate.Flatten().InnerExceptions[^1] : ex;
    Console.Error.WriteLine($"The chat provider call failed: {cause.Message.TrimEnd('.')}. Check OPENAI_API_KEY and OpenAI:Endpoint, or unset them to use the offline client.");
    return 1;
}

await host.StopAsync();
return 0;
