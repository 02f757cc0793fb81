using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptOps;

// budget-burst <sqlite-file> <limit-usd> <calls> <start-file> <long-system-prompt: true|false> <ledger-timeout-ms>
// Waits until <start-file> exists (so several processes start their bursts together), fires <calls> calls at once against
// one gpt-4o-priced spend budget in the shared SQLite store, and prints how many were let through.
if (args is not ["budget-burst", var file, var limitText, var callsText, var startFile, var longPromptText, var timeoutText])
{
    Console.Error.WriteLine("usage: budget-burst <sqlite-file> <limit-usd> <calls> <start-file> <long-system-prompt> <ledger-timeout-ms>");
    return 2;
}

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
}).AddSqliteStore($"Data Source={file}");
services.AddChatClient(new ReportingProvider()).UsePromptOps();
await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<IChatClient>();
var messages = BurstPrompt.Messages(bool.Parse(longPromptText));

while (!File.Exists(startFile))
{
    await Task.Delay(5);
}

var succeeded = 0;
await Parallel.ForEachAsync(Enumerable.Range(0, calls), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
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

    public string Summary => string.Join(", ", _counts.Select(c => $"event {c.Key} x{c.Value}"));

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _counts.AddOrUpdate(eventId.Id, 1, (_, n) => n + 1);

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
internal sealed class ReportingProvider : IChatClient
{
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await Task.Delay(2, cancellationToken);
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
