using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>The services the PromptOps chat middleware share, from the container when <c>AddPromptOps()</c> registered them, else defaults.</summary>
internal sealed class PromptOpsCallServices
{
    private static readonly Lazy<PromptOpsCallServices> Standalone = new(() => new PromptOpsCallServices(
        new StaticOptionsMonitor(new PromptOpsOptions()), TiktokenTokenCounter.Shared, TimeProvider.System, NullLoggerFactory.Instance, dispatcher: null, pricing: null));

    public PromptOpsCallServices(IOptionsMonitor<PromptOpsOptions> options, ITokenCounter tokenCounter, TimeProvider timeProvider, ILoggerFactory loggerFactory, CallRecordDispatcher? dispatcher, ModelPricing? pricing)
    {
        Options = options;
        TokenCounter = tokenCounter;
        TimeProvider = timeProvider;
        LoggerFactory = loggerFactory;
        Dispatcher = dispatcher;
        Pricing = pricing ?? new ModelPricing(options, loggerFactory.CreateLogger<ModelPricing>());
    }

    public IOptionsMonitor<PromptOpsOptions> Options { get; }

    public ITokenCounter TokenCounter { get; }

    public TimeProvider TimeProvider { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Gets the hand-off to the sinks, or <see langword="null"/> when PromptOps is not registered (no sinks).</summary>
    public CallRecordDispatcher? Dispatcher { get; }

    public ModelPricing Pricing { get; }

    public static PromptOpsCallServices From(IServiceProvider? services) =>
        services?.GetService<PromptOpsCallServices>() ?? (services is null ? Standalone.Value : FromPartialContainer(services));

    private static PromptOpsCallServices FromPartialContainer(IServiceProvider services) => new(
        services.GetService<IOptionsMonitor<PromptOpsOptions>>() ?? new StaticOptionsMonitor(new PromptOpsOptions()),
        services.GetService<ITokenCounter>() ?? TiktokenTokenCounter.Shared,
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
        dispatcher: null,
        pricing: null);

    private sealed class StaticOptionsMonitor(PromptOpsOptions value) : IOptionsMonitor<PromptOpsOptions>
    {
        public PromptOpsOptions CurrentValue => value;

        public PromptOpsOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PromptOpsOptions, string?> listener) => null;
    }
}
