using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace PromptOps.Benchmarks;

/// <summary>
/// DESIGN §7 middleware target: the overhead of <c>UsePromptOps()</c> over a no-op client must be at most 1.5 times the
/// overhead of Microsoft.Extensions.AI's <c>UseOpenTelemetry().UseLogging()</c> (logger enabled at Information, listeners
/// attached), on the realistic call, non-streaming and streaming.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[BenchmarkCategory("Middleware")]
public class MiddlewareBenchmarks
{
    private readonly ChatOptions _options = new() { ModelId = "gpt-4o", MaxOutputTokens = 200 };
    private NoOpChatClient _bare = null!;
    private IChatClient _microsoft = null!;
    private IChatClient _promptOps = null!;
    private IChatClient _promptOpsLogged = null!;
    private IChatClient _promptOpsWithoutSink = null!;
    private ServiceProvider _services = null!;
    private ActivityListener _activities = null!;
    private MeterListener _meters = null!;
    private CountingSink _sink = null!;
    private IChatClient _budgetOnly = null!;
    private IChatClient _costOnly = null!;
    private IChatClient _spendOnly = null!;
    private IChatClient _loggingOnly = null!;
    private readonly List<ServiceProvider> _layerServices = [];
    private int _call;

    [GlobalSetup]
    public void Setup()
    {
        // Listeners on every source and meter, as an OpenTelemetry SDK would attach them.
        _activities = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_activities);
        _meters = new MeterListener { InstrumentPublished = (instrument, listener) => listener.EnableMeasurementEvents(instrument) };
        _meters.SetMeasurementEventCallback<double>((_, _, _, _) => { });
        _meters.SetMeasurementEventCallback<long>((_, _, _, _) => { });
        _meters.SetMeasurementEventCallback<int>((_, _, _, _) => { });
        _meters.SetMeasurementEventCallback<decimal>((_, _, _, _) => { });
        _meters.Start();

        _bare = new NoOpChatClient();
        var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new EnabledNullLoggerProvider()));
        _microsoft = new ChatClientBuilder(_bare).UseOpenTelemetry(loggerFactory).UseLogging(loggerFactory).Build();

        _sink = new CountingSink();
        (_services, _promptOps) = Pipeline(b => b.UsePromptOps(), _sink, perCallLogLine: false);
        _promptOpsLogged = Layer(b => b.UsePromptOps());
        _promptOpsWithoutSink = Layer(b => b.UsePromptOps(), withSinks: false);
        _budgetOnly = Layer(b => b.UseTokenBudget());
        _costOnly = Layer(b => b.UseCostTracking());
        _spendOnly = Layer(b => b.UseSpendBudget());
        _loggingOnly = Layer(b => b.UseCallLogging());

        // Check what is timed: every pipeline answers, and PromptOps prices and records the call.
        var response = _promptOps.GetResponseAsync(RealisticCall.Messages(0), _options).GetAwaiter().GetResult();
        if (response.AdditionalProperties?[PromptOpsResponseKeys.CostUsd] is not decimal cost || cost <= 0 || response.Text != NoOpChatClient.Reply)
        {
            throw new InvalidOperationException("UsePromptOps() did not price the call.");
        }

        var day = new SpendBucket("daily", "*", SpendPeriods.Get(SpendBudgetPeriod.Day, DateTimeOffset.UtcNow, TimeZoneInfo.Utc).Start);
        var spent = _services.GetRequiredService<ISpendLedger>().GetAsync(day).AsTask().GetAwaiter().GetResult();
        if (spent.SpentUsd != cost || spent.ReservedUsd != 0)
        {
            throw new InvalidOperationException($"The spend budget did not settle the call: spent {spent.SpentUsd}, reserved {spent.ReservedUsd}, cost {cost}.");
        }

        if (_promptOpsWithoutSink.GetResponseAsync(RealisticCall.Messages(0), _options).GetAwaiter().GetResult().AdditionalProperties?[PromptOpsResponseKeys.CostUsd] is not decimal unrecordedCost || unrecordedCost != cost)
        {
            throw new InvalidOperationException("UsePromptOps() without a record sink did not price the call.");
        }

        _services.GetRequiredService<ICallRecordDispatcher>().FlushAsync().GetAwaiter().GetResult();
        if (_sink.Count != 1 || _microsoft.GetResponseAsync(RealisticCall.Messages(0), _options).GetAwaiter().GetResult().Text != NoOpChatClient.Reply)
        {
            throw new InvalidOperationException("A pipeline did not complete the call.");
        }
    }

    /// <summary>
    /// The no-op client behind PromptOps layers, wired as an application wires them (content capture off). With
    /// <paramref name="perCallLogLine"/> off, the default sink's one log line per call (event 2001 at Information) is filtered
    /// out by its category, as DESIGN §7's call (records to an in-memory sink) has it; the logger stays enabled at Information.
    /// </summary>
    private (ServiceProvider Services, IChatClient Client) Pipeline(Func<ChatClientBuilder, ChatClientBuilder> use, IPromptCallSink? sink = null, bool perCallLogLine = true, bool withSinks = true)
    {
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Information).AddProvider(new EnabledNullLoggerProvider());
            if (!perCallLogLine)
            {
                b.AddFilter("PromptOps.LoggingPromptCallSink", LogLevel.Warning);
            }
        });
        services.AddPromptOps(o =>
        {
            o.Calls.ContentCapture = PromptCallContentCapture.Off;

            // DESIGN §7 counts budget reservation and settlement in the overhead: a token limit and a global daily spend
            // budget (in memory) that every call reserves in and settles to, sized so that no call is refused.
            o.Budgets.MaxTokensPerRequest = 100_000;
            o.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = 1_000_000_000m };
        });
        if (sink is not null)
        {
            services.AddSingleton(sink);
        }

        if (!withSinks)
        {
            // No sink at all (not even the default log sink): the dispatcher builds and queues no record.
            services.RemoveAll<IPromptCallSink>();
        }

        use(services.AddChatClient(_bare));
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<IChatClient>());
    }

    /// <summary>One PromptOps layer alone, or the stack without record sinks, to see where the full stack's time goes.</summary>
    private IChatClient Layer(Func<ChatClientBuilder, ChatClientBuilder> use, bool withSinks = true)
    {
        var (provider, client) = Pipeline(use, withSinks: withSinks);
        _layerServices.Add(provider);
        return client;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _layerServices.ForEach(p => p.Dispose());
        var dispatcher = _services.GetRequiredService<ICallRecordDispatcher>();
        dispatcher.FlushAsync().GetAwaiter().GetResult();
        Console.WriteLine($"// PromptOps records written: {_sink.Count:N0}, dropped: {dispatcher.DroppedCount:N0}");
        _services.Dispose();
        _activities.Dispose();
        _meters.Dispose();
    }

    [Benchmark(Baseline = true, Description = "no-op client (floor)")]
    [BenchmarkCategory("NonStreaming")]
    public Task<ChatResponse> Bare() => _bare.GetResponseAsync(RealisticCall.Messages(_call++), _options);

    [Benchmark(Description = "M.E.AI UseOpenTelemetry().UseLogging()")]
    [BenchmarkCategory("NonStreaming")]
    public Task<ChatResponse> MicrosoftPair() => _microsoft.GetResponseAsync(RealisticCall.Messages(_call++), _options);

    [Benchmark(Description = "UsePromptOps()")]
    [BenchmarkCategory("NonStreaming")]
    public Task<ChatResponse> PromptOps() => _promptOps.GetResponseAsync(RealisticCall.Messages(_call++), _options);

    [Benchmark(Description = "UsePromptOps() + a log line per call")]
    [BenchmarkCategory("NonStreaming")]
    public Task<ChatResponse> PromptOpsLogged() => _promptOpsLogged.GetResponseAsync(RealisticCall.Messages(_call++), _options);

    [Benchmark(Description = "UsePromptOps(), no record sink (diagnostic)")]
    [BenchmarkCategory("NonStreaming")]
    public Task<ChatResponse> PromptOpsWithoutSink() => _promptOpsWithoutSink.GetResponseAsync(RealisticCall.Messages(_call++), _options);

    [Benchmark(Description = "UseSpendBudget() alone")]
    [BenchmarkCategory("NonStreaming")]
    public Task<ChatResponse> SpendBudgetOnly() => _spendOnly.GetResponseAsync(RealisticCall.Messages(_call++), _options);

    [Benchmark(Description = "UseTokenBudget() alone")]
    [BenchmarkCategory("NonStreaming")]
    public Task<ChatResponse> TokenBudgetOnly() => _budgetOnly.GetResponseAsync(RealisticCall.Messages(_call++), _options);

    [Benchmark(Description = "UseCostTracking() alone")]
    [BenchmarkCategory("NonStreaming")]
    public Task<ChatResponse> CostTrackingOnly() => _costOnly.GetResponseAsync(RealisticCall.Messages(_call++), _options);

    [Benchmark(Description = "UseCallLogging() alone")]
    [BenchmarkCategory("NonStreaming")]
    public Task<ChatResponse> CallLoggingOnly() => _loggingOnly.GetResponseAsync(RealisticCall.Messages(_call++), _options);

    [Benchmark(Baseline = true, Description = "no-op client, streamed (floor)")]
    [BenchmarkCategory("Streaming")]
    public Task<int> BareStreaming() => Drain(_bare);

    [Benchmark(Description = "M.E.AI pair, streamed")]
    [BenchmarkCategory("Streaming")]
    public Task<int> MicrosoftPairStreaming() => Drain(_microsoft);

    [Benchmark(Description = "UsePromptOps(), streamed")]
    [BenchmarkCategory("Streaming")]
    public Task<int> PromptOpsStreaming() => Drain(_promptOps);

    private async Task<int> Drain(IChatClient client)
    {
        var updates = 0;
        await foreach (var update in client.GetStreamingResponseAsync(RealisticCall.Messages(_call++), _options).ConfigureAwait(false))
        {
            updates += update.Contents.Count;
        }

        return updates;
    }

    /// <summary>Answers at once: a fixed reply with provider usage, or the reply in 20 chunks plus a usage update.</summary>
    private sealed class NoOpChatClient : IChatClient
    {
        public const string Reply = "Sure - returns are accepted within 30 days of delivery.";
        private static readonly string[] Chunks = [.. Enumerable.Range(0, 20).Select(i => i == 0 ? Reply : " ")];
        private readonly ChatClientMetadata _metadata = new("noop", defaultModelId: "gpt-4o");

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Reply))
            {
                ModelId = "gpt-4o-2024-08-06",
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 50, TotalTokenCount = 1050 },
            });

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var chunk in Chunks)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, chunk) { ModelId = "gpt-4o-2024-08-06" };
            }

            yield return new ChatResponseUpdate
            {
                FinishReason = ChatFinishReason.Stop,
                Contents = [new UsageContent(new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 50, TotalTokenCount = 1050 })],
            };
            await Task.CompletedTask.ConfigureAwait(false);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }

    /// <summary>A logger that is enabled (so messages are formatted, as with a real provider) and writes nowhere.</summary>
    private sealed class EnabledNullLoggerProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger();

        public void Dispose()
        {
        }

        private sealed class Logger : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                GC.KeepAlive(formatter(state, exception));
        }
    }

    private sealed class CountingSink : IPromptCallSink
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public ValueTask WriteBatchAsync(IReadOnlyList<PromptCallRecord> records, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _count, records.Count);
            return ValueTask.CompletedTask;
        }
    }
}
