using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>The services the PromptOps chat clients share, from the container when <c>AddPromptOps()</c> registered them, else defaults.</summary>
internal sealed class PromptOpsCallServices : IAsyncDisposable, IDisposable
{
    private static readonly Lazy<PromptOpsCallServices> Standalone = new(() => new PromptOpsCallServices(
        new StaticOptionsMonitor(new PromptOpsOptions()), TiktokenTokenCounter.Shared, TimeProvider.System, NullLoggerFactory.Instance, dispatcher: null, pricing: null, spendLedger: null, alerts: null));

    public PromptOpsCallServices(IOptionsMonitor<PromptOpsOptions> options, ITokenCounter tokenCounter, TimeProvider timeProvider, ILoggerFactory loggerFactory, CallRecordDispatcher? dispatcher, ModelPricing? pricing, ISpendLedger? spendLedger, BudgetAlertPublisher? alerts)
    {
        // A shared ledger (a store) can be busy or gone: it gets a fail-safe front; the in-memory ledger cannot fail.
        SpendLedger = spendLedger is null or InMemorySpendLedger
            ? spendLedger ?? new InMemorySpendLedger()
            : new FailSafeSpendLedger(spendLedger, options, timeProvider, loggerFactory.CreateLogger<FailSafeSpendLedger>());
        Alerts = alerts ?? new BudgetAlertPublisher([new LoggingBudgetAlertHandler(loggerFactory.CreateLogger<LoggingBudgetAlertHandler>())], loggerFactory.CreateLogger<BudgetAlertPublisher>());
        Options = options;
        TokenCounter = tokenCounter;
        TimeProvider = timeProvider;
        LoggerFactory = loggerFactory;
        Dispatcher = dispatcher;
        Pricing = pricing ?? new ModelPricing(options, loggerFactory.CreateLogger<ModelPricing>());
        Pricer = new CallPricer(Pricing, tokenCounter);
        TokenBudget = new TokenBudgetEnforcer(options, tokenCounter, loggerFactory.CreateLogger<TokenBudgetEnforcer>());
        SpendBudget = new SpendBudgetEnforcer(
            options,
            SpendLedger,
            Pricing,
            tokenCounter,
            new SpendAlertTrigger(SpendLedger, Alerts, timeProvider),
            loggerFactory.CreateLogger<SpendBudgetEnforcer>());
    }

    public IOptionsMonitor<PromptOpsOptions> Options { get; }

    public ITokenCounter TokenCounter { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Gets the request ids of tool loops in progress, so every round trip of one loop shares its request id.</summary>
    public ToolLoopRequests ToolLoops { get; } = new();

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Gets the hand-off to the sinks, or <see langword="null"/> when PromptOps is not registered (no sinks).</summary>
    public CallRecordDispatcher? Dispatcher { get; }

    public ModelPricing Pricing { get; }

    /// <summary>Gets the pricing of finished calls.</summary>
    public CallPricer Pricer { get; }

    /// <summary>Gets the token budget checks.</summary>
    public TokenBudgetEnforcer TokenBudget { get; }

    /// <summary>Gets the spend budget reservations and settlements.</summary>
    public SpendBudgetEnforcer SpendBudget { get; }

    /// <summary>Gets where spend budgets keep their counts.</summary>
    public ISpendLedger SpendLedger { get; }

    /// <summary>Gets the hand-off of spend alerts to their handlers.</summary>
    public BudgetAlertPublisher Alerts { get; }

    /// <summary>Hands the shared ledger what it missed while unavailable, before the application stops.</summary>
    public ValueTask DisposeAsync() => SpendLedger is FailSafeSpendLedger failSafe ? failSafe.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>Disposes synchronously, for containers disposed with <c>Dispose()</c> (a container that holds an only-async service throws there).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public static PromptOpsCallServices From(IServiceProvider? services) =>
        services?.GetService<PromptOpsCallServices>() ?? (services is null ? Standalone.Value : FromPartialContainer(services));

    private static PromptOpsCallServices FromPartialContainer(IServiceProvider services) => new(
        services.GetService<IOptionsMonitor<PromptOpsOptions>>() ?? new StaticOptionsMonitor(new PromptOpsOptions()),
        services.GetService<ITokenCounter>() ?? TiktokenTokenCounter.Shared,
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
        dispatcher: null,
        pricing: null,
        services.GetService<ISpendLedger>(),
        alerts: null);

    private sealed class StaticOptionsMonitor(PromptOpsOptions value) : IOptionsMonitor<PromptOpsOptions>
    {
        public PromptOpsOptions CurrentValue => value;

        public PromptOpsOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PromptOpsOptions, string?> listener) => null;
    }
}
