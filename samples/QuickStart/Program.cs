// PromptOps QuickStart: load the embedded prompt library, render a prompt, send it through an IChatClient.
//   dotnet run --project samples/QuickStart
// With OPENAI_API_KEY set (and optionally OpenAI__Endpoint / OpenAI__Model), the call goes to a real model.
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PromptOps;
using QuickStart;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Call records, the spend ledger and the activation log go to a local SQLite file (relative to the current directory).
var storePath = Path.GetFullPath(builder.Configuration["QuickStart:Store"] is { Length: > 0 } store ? store : "promptops.db");
builder.Services.AddPromptOps(builder.Configuration.GetSection("PromptOps"))
    .AddEmbeddedPrompts(typeof(Program).Assembly)    // prompts/**/*.yaml and _partials/*.liquid, embedded at build
    .AddSqliteStore($"Data Source={storePath}")     // PromptOps.Sdk.Sqlite: durable records, spend budgets that survive restarts
    .AddCallSink<LastCallSink>();                    // every call record also goes to the log (event 2001)

// The prompt's model.id is a default: OpenAI__Model, when set, is the model every prompt's calls go to (PromptOps:Models:*),
// and so the one sent, priced and recorded. PromptOps__Models__gpt-4o=llama3.2 maps one model only.
if (builder.Configuration["OpenAI:Model"] is { Length: > 0 } configuredModel)
{
    builder.Services.Configure<PromptOpsOptions>(o => o.Models.TryAdd("*", configuredModel));
}

var clientDescription = string.Empty;
builder.Services.AddChatClient(_ => ChatClientFactory.Create(builder.Configuration, defaultModel: "gpt-4o-mini", out clientDescription))
    .UsePromptOps();   // token and spend budgets before the call; tokens, cost, call record, logs and traces after it

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
IChatClient chatClient;
try
{
    chatClient = host.Services.GetRequiredService<IChatClient>();
}
catch (ChatClientConfigurationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

Console.WriteLine("Prompt library (embedded in the QuickStart assembly):");
foreach (var version in catalog.List())
{
    var served = catalog.TryGet(version.Id, out var active) && active.Version == version.Version
        ? $"  <- served{(active.Reference.Label is { } label ? $" (label {label})" : " (highest published)")}"
        : string.Empty;
    Console.WriteLine($"  {version.Id,-18} {version.Version,-8} {version.Status.ToString().ToLowerInvariant(),-10} {version.Definition.Description}{served}");
}

// At the call site: the typed accessor generated from prompts/customer-support/*.yaml renders the version served for this
// environment (prompts/labels.yaml, overridable through PromptOps:Labels:<environment>:<id> with no restart). A misspelt
// or renamed input is a compile error here, not a failure at run time.
var prompts = new Prompts(catalog);
var rendered = prompts.CustomerSupport.Render(new(
    CompanyName: "Acme Outdoor",
    Question: "My tent arrived with a broken pole. Can I return it? Order 10023.",
    Tools: ["lookup_order", "track_shipping"]));

Console.WriteLine();
Console.WriteLine("Rendered prompt:");
Console.WriteLine(rendered);

Console.WriteLine($"Sending to: {clientDescription}");
try
{
    // The ambient context attributes every call made inside it to a user, tenant and request.
    using var context = PromptOpsContext.Begin(userId: "customer-4711", tenantId: "acme-outdoor");
    var response = await chatClient.GetResponseAsync(rendered.Messages, rendered.Options);
    Console.WriteLine();
    Console.WriteLine("Answer:");
    Console.WriteLine(response.Text);

    // The call record went to the sinks in the background; the sample's sink keeps the last one to show it here.
    await host.Services.GetRequiredService<ICallRecordDispatcher>().FlushAsync();
    if (host.Services.GetRequiredService<LastCallSink>().Last is { } call)
    {
        Console.WriteLine();
        Console.WriteLine("Call record:");
        Console.WriteLine($"  request id  {response.AdditionalProperties?[PromptOpsResponseKeys.RequestId]}");
        Console.WriteLine($"  prompt      {call.PromptId}@{call.PromptVersion} (label {call.Label ?? "none"}{(call.Variant is null ? string.Empty : $", variant {call.Variant}")}) for feature {call.Feature}, user {call.UserId}");
        Console.WriteLine($"  model       {call.Model} via {call.Provider ?? "(unknown provider)"}");
        Console.WriteLine($"  tokens      {call.InputTokens} in, {call.OutputTokens} out{(call.UsageEstimated ? " (estimated: the client reported no usage)" : string.Empty)}");
        Console.WriteLine($"  cost        {(call.Cost is { } cost ? $"${cost:0.000000}" : "unknown (model has no price)")}  [{call.PriceSource}]");
        Console.WriteLine($"  latency     {call.Latency.TotalMilliseconds:0} ms");
    }

    // Spend budgets reserve each call's worst case before it is sent and count its actual cost after (PromptOps:Spending).
    var spent = await host.Services.GetRequiredService<ICallStore>().AggregateAsync(new CallQuery { From = DateTimeOffset.UtcNow.Date }, []);
    Console.WriteLine();
    var daily = host.Services.GetRequiredService<IOptions<PromptOpsOptions>>().Value.Spending.Budgets.TryGetValue("daily", out var budget) ? $" of the ${budget.LimitUsd} daily budget" : string.Empty;
    Console.WriteLine($"Stored in {storePath}: {spent.Sum(s => s.Calls)} call(s) today, ${spent.Sum(s => s.Cost):0.000000}{daily}.");
    Console.WriteLine("  cost report    dotnet run --project src/PromptOps.Cli -- report --store " + storePath);
    Console.WriteLine($"  this request   dotnet run --project src/PromptOps.Cli -- calls --store {storePath} --request {response.AdditionalProperties?[PromptOpsResponseKeys.RequestId]}");
}
catch (SpendBudgetExceededException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
catch (Exception ex) when (ex is HttpRequestException or System.ClientModel.ClientResultException or AggregateException)
{
    var cause = ex is AggregateException aggregate ? aggregate.Flatten().InnerExceptions[^1] : ex;
    Console.Error.WriteLine($"The chat provider call failed: {cause.Message.TrimEnd('.')}. Check OPENAI_API_KEY and OpenAI:Endpoint, or unset them to use the offline client.");
    return 1;
}

await host.StopAsync();
return 0;
