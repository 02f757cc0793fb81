using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PromptOps;

/// <summary>Adds prompt sources to PromptOps.</summary>
public static class PromptOpsBuilderExtensions
{
    /// <summary>
    /// Loads the prompt library embedded in an assembly. Reference the PromptOps.Sdk package in that project: its build
    /// targets embed the project's <c>prompts/</c> folder (set <c>&lt;PromptOpsPromptsDirectory&gt;</c> to use another).
    /// </summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="assembly">The assembly that embeds the prompts, usually <c>typeof(Program).Assembly</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Adding the same assembly twice has no effect. Prompt ids and versions must be unique across all sources.</remarks>
    public static IPromptOpsBuilder AddEmbeddedPrompts(this IPromptOpsBuilder builder, Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(assembly);
        return builder.AddSource(new EmbeddedPromptSource(assembly));
    }

    /// <summary>Loads the prompt library from a directory on disk.</summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="path">The library root; a relative path starts from the current directory.</param>
    /// <param name="watch">
    /// Whether to reload when a file changes. An invalid edit is rejected: the file's last good version keeps being
    /// served and the problem is logged and shown in <see cref="IPromptCatalog.Diagnostics"/>.
    /// </param>
    /// <returns>The same builder, for chaining.</returns>
    public static IPromptOpsBuilder AddPromptDirectory(this IPromptOpsBuilder builder, string path, bool watch = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.AddSource(new DirectoryPromptSource(path, watch));
    }

    /// <summary>Configures where model prices come from: a LiteLLM-format price file and per-model overrides.</summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="configure">Sets pricing options, for example <c>p =&gt; p.Models["my-model"] = new() { InputPerMillionTokens = 1, OutputPerMillionTokens = 4 }</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>The same settings bind from <c>PromptOps:Pricing</c>; both are validated when the host starts.</remarks>
    public static IPromptOpsBuilder AddPricing(this IPromptOpsBuilder builder, Action<PromptOpsPricingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure<PromptOpsOptions>(options => configure(options.Pricing));
        return builder;
    }

    /// <summary>Adds a sink that receives the record of every call made through <c>UsePromptOps()</c> or <c>UseCallLogging()</c>.</summary>
    /// <typeparam name="TSink">The sink type: one instance, resolvable as itself and as <see cref="IPromptCallSink"/>.</typeparam>
    /// <param name="builder">The PromptOps builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Safe to call more than once for the same type. Records reach sinks in the background, see <see cref="IPromptCallSink"/>.</remarks>
    public static IPromptOpsBuilder AddCallSink<TSink>(this IPromptOpsBuilder builder)
        where TSink : class, IPromptCallSink
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(CallSinkRegistration<TSink>)))
        {
            return builder;
        }

        builder.Services.AddSingleton<CallSinkRegistration<TSink>>();
        builder.Services.TryAddSingleton<TSink>();
        builder.Services.AddSingleton<IPromptCallSink>(sp => sp.GetRequiredService<TSink>());
        return builder;
    }

    /// <summary>Adds a sink instance that receives the record of every call made through <c>UsePromptOps()</c> or <c>UseCallLogging()</c>.</summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="sink">The sink, for example one built with settings only known at start-up, or a test's collector.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Safe to call more than once with the same instance. The container does not dispose an instance it was given.</remarks>
    public static IPromptOpsBuilder AddCallSink(this IPromptOpsBuilder builder, IPromptCallSink sink)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(sink);
        if (!builder.Services.Any(d => d.ServiceType == typeof(IPromptCallSink) && ReferenceEquals(d.ImplementationInstance, sink)))
        {
            builder.Services.AddSingleton(sink);
        }

        return builder;
    }

    private static IPromptOpsBuilder AddSource(this IPromptOpsBuilder builder, PromptSource source)
    {
        var alreadyAdded = builder.Services.Any(d => d.ServiceType == typeof(PromptSource) && d.ImplementationInstance is PromptSource existing && existing.Key == source.Key);
        if (!alreadyAdded)
        {
            builder.Services.AddSingleton(source);
        }

        return builder;
    }

    /// <summary>One webhook handler per <see cref="AddAlertWebhook"/> call, shared by the budget and rollout alert registrations.</summary>
    /// <remarks>The container disposes the handler (through either registration; disposing twice is harmless).</remarks>
    private sealed class WebhookRegistration(Uri endpoint, string secret)
    {
        private readonly Lock _gate = new();
        private WebhookBudgetAlertHandler? _handler;

        public WebhookBudgetAlertHandler Get(IServiceProvider services)
        {
            lock (_gate)
            {
                return _handler ??= new WebhookBudgetAlertHandler(endpoint, secret, services.GetService<TimeProvider>(), services.GetService<Microsoft.Extensions.Logging.ILogger<WebhookBudgetAlertHandler>>());
            }
        }
    }

    /// <summary>Marks a sink type as added, so that <see cref="AddCallSink{TSink}"/> is idempotent.</summary>
    private sealed class CallSinkRegistration<TSink>;

    /// <summary>
    /// Posts every alert to a webhook as JSON, signed with HMAC-SHA256 (headers <c>X-PromptOps-Timestamp</c> and
    /// <c>X-PromptOps-Signature</c>; see <see cref="WebhookBudgetAlertHandler"/>): spend budget thresholds, automatic
    /// rollbacks of guarded rollouts (<c>"alert": "rollback"</c>) and drift (<c>"alert": "drift"</c>). Logging of alerts stays on.
    /// </summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="endpoint">The absolute http or https URL to post to.</param>
    /// <param name="secret">The shared secret (at least 16 characters); keep it in a secret store, not in appsettings.json.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentException">The URL is not absolute http(s), or the secret is shorter than 16 characters.</exception>
    public static IPromptOpsBuilder AddAlertWebhook(this IPromptOpsBuilder builder, Uri endpoint, string secret)
    {
        ArgumentNullException.ThrowIfNull(builder);
        WebhookBudgetAlertHandler.Validate(endpoint, secret);
        var handler = new WebhookRegistration(endpoint, secret);
        builder.Services.AddSingleton<IBudgetAlertHandler>(sp => handler.Get(sp));
        builder.Services.AddSingleton<IQualityAlertHandler>(sp => handler.Get(sp));
        return builder;
    }
}
