using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PromptOps;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PromptOps in a service collection.</summary>
public static class PromptOpsServiceCollectionExtensions
{
    /// <summary>Registers the PromptOps core services: options (validated on start) and the prompt catalog.</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder to add prompt sources to, for example <c>.AddEmbeddedPrompts(typeof(Program).Assembly)</c>.</returns>
    /// <remarks>Safe to call more than once: services are registered once, and every call returns a builder over the same collection.</remarks>
    public static IPromptOpsBuilder AddPromptOps(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(PromptOpsMarker)))
        {
            return new PromptOpsBuilder(services);
        }

        services.AddSingleton<PromptOpsMarker>();
        services.AddOptions<PromptOpsOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PromptOpsOptions>, PromptOpsOptionsAnnotationsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PromptOpsOptions>, PromptOpsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<PromptOpsOptions>, PromptOpsOptionsDefaults>());
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IActivationLog, InMemoryActivationLog>();
        services.TryAddSingleton<IPromptCatalog, PromptCatalog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PromptCatalogStartupCheck>());
        services.TryAddSingleton<QualityAlertPublisher>();
        services.TryAddSingleton(sp => new RolloutConductor(
            sp.GetRequiredService<IActivationLog>(),
            sp.GetService<ICallStore>(),
            sp.GetRequiredService<QualityAlertPublisher>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<Microsoft.Extensions.Logging.ILogger<RolloutConductor>>()));
        services.TryAddSingleton<ActivationWatcher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ActivationWatcher>(sp => sp.GetRequiredService<ActivationWatcher>()));
        services.TryAddSingleton<IPromptActivations, PromptActivations>();
        services.TryAddSingleton<IPromptFeedback, PromptFeedbackRecorder>();
        services.TryAddSingleton<DriftMonitor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DriftMonitor>(sp => sp.GetRequiredService<DriftMonitor>()));
        AddCallServices(services);
        return new PromptOpsBuilder(services);
    }

    /// <summary>Registers PromptOps and configures its options in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options, for example <c>o =&gt; o.AllowDrafts = true</c>.</param>
    /// <returns>A builder to add prompt sources to.</returns>
    public static IPromptOpsBuilder AddPromptOps(this IServiceCollection services, Action<PromptOpsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddPromptOps();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Registers PromptOps and binds its options from configuration, typically <c>configuration.GetSection("PromptOps")</c>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section holding PromptOps settings; reloads are picked up.</param>
    /// <returns>A builder to add prompt sources to.</returns>
    public static IPromptOpsBuilder AddPromptOps(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddPromptOps();
        services.AddSingleton<IOptionsChangeTokenSource<PromptOpsOptions>>(new ConfigurationChangeTokenSource<PromptOpsOptions>(Options.Options.DefaultName, configuration));
        services.AddSingleton<IConfigureOptions<PromptOpsOptions>>(new PromptOpsConfigurationBinder(configuration));
        return builder;
    }

    /// <summary>What the chat middleware (<c>UsePromptOps()</c>) needs: token counting, pricing, and the hand-off to the call sinks.</summary>
    private static void AddCallServices(IServiceCollection services)
    {
        services.TryAddSingleton<ITokenCounter>(TiktokenTokenCounter.Shared);
        services.TryAddSingleton<ModelPricing>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TokenizerWarmup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPromptCallSink, LoggingPromptCallSink>());
        services.TryAddSingleton(sp => new CallRecordDispatcher(
            sp.GetServices<IPromptCallSink>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<CallRecordDispatcher>>(),
            sp.GetRequiredService<IOptions<PromptOpsOptions>>().Value.Calls));
        services.TryAddSingleton<ISpendLedger, InMemorySpendLedger>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBudgetAlertHandler, LoggingBudgetAlertHandler>());
        services.TryAddSingleton<BudgetAlertPublisher>();
        services.TryAddSingleton<ICallRecordDispatcher>(sp => sp.GetRequiredService<CallRecordDispatcher>());
        services.TryAddSingleton(sp => new PromptOpsCallServices(
            sp.GetRequiredService<IOptionsMonitor<PromptOpsOptions>>(),
            sp.GetRequiredService<ITokenCounter>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>(),
            sp.GetRequiredService<CallRecordDispatcher>(),
            sp.GetRequiredService<ModelPricing>(),
            sp.GetRequiredService<ISpendLedger>(),
            sp.GetRequiredService<BudgetAlertPublisher>()));
    }

    private sealed class PromptOpsMarker;
}
