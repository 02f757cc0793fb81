using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptOps;

// budget-burst <store> <limit-usd> <calls> <start-file> <long-system-prompt: true|false> <ledger-timeout-ms> [lease-seconds] [provider-delay-ms]
// Prints "ready" once started, waits until <start-file> exists (so several processes start their bursts together), fires <calls> calls at once against
// one gpt-4o-priced spend budget in the shared store (a SQLite file, or PostgreSQL for "Host=..."), and prints how many were
// let through. With a provider delay, prints "held" once its first call is under way (tests kill it then).
//
// records <store> <calls> <start-file>
// Prints "ready" once started, waits for <start-file>, makes <calls> calls (16 at a time) without a budget, flushes the records on exit, and prints
// "<calls made> <records dropped or lost>".
// serve <store> <seconds>
// Starts an application attached to <store> (environment production, activation poll interval 200 ms), prints "ready",
// then prints "<unix-ms> <version>" each time the version catalog.Get("customer-support") serves changes, for <seconds>.
if (args is ["serve", var serveStore, var secondsText])
{
    return await Serving.RunAsync(serveStore, double.Parse(secondsText, CultureInfo.InvariantCulture));
}

if (args is ["records", var recordStore, var recordCallsText, var recordStart])
{
    return await Records.RunAsync(recordStore, int.Parse(recordCallsText, CultureInfo.InvariantCulture), recordStart);
}

if (args is not ["budget-burst", var file, var limitText, var callsText, var startFile, var longPromptText, var timeoutText, .. var extra])
{
    Console.Error.WriteLine("usage: budget-burst <store> <limit-usd> <calls> <start-file> <long-system-prompt> <ledger-timeout-ms> [lease-seconds] [provider-delay-ms] | records <store> <calls> <start-file>");
    return 2;
}

var leaseSeconds = extra.Length > 0 ? double.Parse(extra[0], CultureInfo.InvariantCulture) : 30;
var providerDelay = extra.Length > 1 ? int.Parse(extra[1], CultureInfo.InvariantCulture) : 2;
var limit = decimal.Parse(limitText, CultureInfo.InvariantCulture);
var calls = int.Parse(callsText, CultureInfo.InvariantCulture);
var services = new ServiceCollection();
var events = new EventCounter();
services.AddLogging(b => b.AddProvider(events));
services.AddPromptOps(o =>
{
    o.Pricing.Models["gpt-4o"] = new ModelPriceOverride { InputPerMillionTokens = 2.5m, OutputPerMillionTokens = 10m };
    o.Spending.Budgets["burst"] = new SpendBudget { LimitUsd = limit };
    o.Spending.LedgerTimeout = TimeSpan.FromMilliseconds(int.Parse(timeoutText, CultureInfo.InvariantCulture));
}).AddPromptDirectory(PromptOps.Tests.RepositoryPaths.Prompts).AddStore(file, TimeSpan.FromSeconds(leaseSeconds));
var provider = new ReportingProvider(providerDelay);
services.AddChatClient(provider).UsePromptOps();
await using var serviceProvider = services.BuildServiceProvider();
var client = serviceProvider.GetRequiredService<IChatClient>();
var messages = BurstPrompt.Messages(bool.Parse(longPromptText));
await Stores.StartAsync(serviceProvider);
Console.WriteLine("ready");

while (!File.Exists(startFile))
{
    await Task.Delay(5);
}

var succeeded = 0;
_ = provider.FirstCall.ContinueWith(_ => Console.WriteLine("held"), TaskScheduler.Default);
await Parallel.ForEachAsync(Enumerable.Range(0, calls), new ParallelOptions { MaxDegreeOfParallelism = providerDelay > 100 ? calls : 16 }, async (_, ct) =>
{
    try
    {
        await client.GetResponseAsync(messages, BurstPrompt.Options(), ct);
        Interlocked.Increment(ref succeeded);
    }
    catch (SpendBudgetExceededException)
    {
    }
});

Console.WriteLine(succeeded.ToString(CultureInfo.InvariantCulture));
Console.Error.WriteLine(events.Summary);
return 0;

/// <summary>Counts the warnings and errors PromptOps logged, by event id, for the test's failure messages.</summary>
internal sealed class EventCounter : ILoggerProvider, ILogger
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> _counts = new();

    private string? _firstFailure;

    public string Summary => string.Join(", ", _counts.Select(c => $"event {c.Key} x{c.Value}")) + (_firstFailure is null ? string.Empty : $"; first ledger failure: {_firstFailure}");

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _counts.AddOrUpdate(eventId.Id, 1, (_, n) => n + 1);
        if (eventId.Id is 2420 or 2620 && exception is not null)
        {
            Interlocked.CompareExchange(ref _firstFailure, $"{exception.GetType().Name}: {exception.Message}", null);
        }
    }

    public void Dispose()
    {
    }
}

/// <summary>The burst's prompt and options, as in SpendBudgetBurstTests.</summary>
internal static class BurstPrompt
{
    public static IList<ChatMessage> Messages(bool longSystemPrompt) =>
    [
        new(ChatRole.System, longSystemPrompt
            ? string.Concat(Enumerable.Repeat("You answer questions about orders, returns and refunds for Acme Outdoor. ", 28))[..2000]
            : "You are helpful."),
        new(ChatRole.User, "Where is my order 10023?"),
    ];

    public static ChatOptions Options() => new() { ModelId = "gpt-4o", MaxOutputTokens = 200 };
}

/// <summary>Reports the input its tokenizer counts and uses the whole output allowance: the real worst case.</summary>
internal sealed class ReportingProvider(int delayMs = 2) : IChatClient
{
    private readonly TaskCompletionSource _firstCall = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task FirstCall => _firstCall.Task;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        _firstCall.TrySetResult();
        await Task.Delay(delayMs, cancellationToken);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, "Your order ships today."))
        {
            ModelId = options?.ModelId,
            FinishReason = ChatFinishReason.Length,
            Usage = new UsageDetails
            {
                InputTokenCount = TiktokenTokenCounter.Shared.EstimateInputTokens(messages, options, options?.ModelId),
                OutputTokenCount = options?.MaxOutputTokens,
            },
        };
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

/// <summary>Where the worker's store is: PostgreSQL for a Npgsql connection string or URL, else a SQLite file.</summary>
internal static class Stores
{
    public static IPromptOpsBuilder AddStore(this IPromptOpsBuilder builder, string store, TimeSpan lease) =>
        store.StartsWith("Host=", StringComparison.OrdinalIgnoreCase) || store.StartsWith("postgres", StringComparison.OrdinalIgnoreCase)
            ? builder.AddPostgreSqlStore(store, o => o.LeaseDuration = lease)
            : builder.AddSqliteStore($"Data Source={store}");

    /// <summary>Starts the hosted services (the store's schema, budgets and warm-up among them), as the application's host does before serving.</summary>
    public static async Task StartAsync(IServiceProvider services)
    {
        foreach (var hosted in services.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }
}

/// <summary>The records mode: many calls, every record to the shared store.</summary>
internal static class Records
{
    public static async Task<int> RunAsync(string store, int calls, string startFile)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPromptOps(o => o.Calls.QueueCapacity = 200_000).AddPromptDirectory(PromptOps.Tests.RepositoryPaths.Prompts).AddStore(store, TimeSpan.FromSeconds(30));
        services.AddChatClient(new ReportingProvider(0)).UsePromptOps();
        long lost;
        await using (var provider = services.BuildServiceProvider())
        {
            await Stores.StartAsync(provider);
            Console.WriteLine("ready");
            var client = provider.GetRequiredService<IChatClient>();
            var dispatcher = provider.GetRequiredService<ICallRecordDispatcher>();
            while (!File.Exists(startFile))
            {
                await Task.Delay(5);
            }

            var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            await Parallel.ForEachAsync(Enumerable.Range(0, calls), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            {
                using var scope = PromptOpsContext.Begin(feature: "records", requestId: $"{pid}-{i}");
                await client.GetResponseAsync(BurstPrompt.Messages(false), BurstPrompt.Options(), ct);
            });
            await dispatcher.FlushAsync();
            lost = dispatcher.DroppedCount + dispatcher.SinkErrorCount;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{calls} {lost}"));
        return 0;
    }
}

/// <summary>The serve mode: what an instance serves, as it changes.</summary>
internal static class Serving
{
    public static async Task<int> RunAsync(string store, double seconds)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPromptOps(o =>
        {
            o.Environment = "production";
            o.ActivationPollInterval = TimeSpan.FromMilliseconds(200);
        }).AddPromptDirectory(PromptOps.Tests.RepositoryPaths.Prompts).AddStore(store, TimeSpan.FromSeconds(30));
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        var catalog = provider.GetRequiredService<IPromptCatalog>();
        Console.WriteLine("ready");
        string? last = null;
        var end = DateTimeOffset.UtcNow.AddSeconds(seconds);
        while (DateTimeOffset.UtcNow < end)
        {
            var version = catalog.Get("customer-support").Version.ToString();
            if (version != last)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {version}"));
                last = version;
            }

            await Task.Delay(5);
        }

        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }

        return 0;
    }
}
