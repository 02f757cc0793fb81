using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace PromptOps;

/// <summary>Adds the PostgreSQL store to PromptOps: one store for every instance of an application.</summary>
#pragma warning disable RS0026 // The overloads differ in their first parameter's type, so no call is ambiguous.
public static class PostgreSqlStoreBuilderExtensions
{
    /// <summary>
    /// Stores every call record, the spend ledger, budget alerts and the activation log in one PostgreSQL database shared by
    /// every instance: registers a call sink that writes each batch of records with one binary <c>COPY</c> (batching, retries
    /// and flushing are set in <see cref="PromptOpsCallOptions"/>), an <see cref="ICallStore"/> (<see cref="PostgreSqlCallStore"/>)
    /// that reads them, and replaces the in-memory <see cref="ISpendLedger"/> and <see cref="IActivationLog"/> with
    /// <see cref="PostgreSqlSpendLedger"/> and <see cref="PostgreSqlActivationLog"/>.
    /// </summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="connectionString">A Npgsql connection string (<c>Host=db;Database=app;Username=app;Password=...</c>) or a <c>postgres://</c> URL.</param>
    /// <param name="configure">Sets the schema, migrations, retention and the budget lease.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentException">The connection string or a setting is invalid.</exception>
    /// <remarks>
    /// The schema is created or upgraded when the host starts, once for a fleet that starts together; a database written by a
    /// newer PromptOps, a wrong password or a missing database fails the start with a message naming the fix. A server that
    /// cannot be reached does not stop the application: see docs/fleet.md for what each failure does.
    /// </remarks>
    public static IPromptOpsBuilder AddPostgreSqlStore(this IPromptOpsBuilder builder, string connectionString, Action<PostgreSqlStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var normalized = PostgreSqlStore.NormalizeConnectionString(connectionString);
        return Add(builder, configure, options => new PostgreSqlDatabase(NpgsqlDataSource.Create(normalized), ownsDataSource: true, options.Schema, options.MigrateOnStart));
    }

    /// <summary>
    /// Stores every call record, the spend ledger, budget alerts and the activation log in the PostgreSQL database of a data
    /// source you build and own, so that your pooling, authentication (for example token-based passwords) and Npgsql's
    /// OpenTelemetry tracing apply. The store does not dispose it. Otherwise the same as
    /// <see cref="AddPostgreSqlStore(IPromptOpsBuilder, string, Action{PostgreSqlStoreOptions}?)"/>.
    /// </summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="dataSource">The data source.</param>
    /// <param name="configure">Sets the schema, migrations, retention and the budget lease.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public static IPromptOpsBuilder AddPostgreSqlStore(this IPromptOpsBuilder builder, NpgsqlDataSource dataSource, Action<PostgreSqlStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSource);
        return Add(builder, configure, options => new PostgreSqlDatabase(dataSource, ownsDataSource: false, options.Schema, options.MigrateOnStart));
    }

    private static IPromptOpsBuilder Add(IPromptOpsBuilder builder, Action<PostgreSqlStoreOptions>? configure, Func<PostgreSqlStoreOptions, PostgreSqlDatabase> create)
    {
        var options = new PostgreSqlStoreOptions();
        configure?.Invoke(options);
        options.Validate();
        var services = builder.Services;
        services.AddSingleton(_ => create(options));
        services.AddSingleton(sp => new PostgreSqlCallStore(sp.GetRequiredService<PostgreSqlDatabase>()));
        services.AddSingleton<IPromptCallSink>(sp => new PostgreSqlCallWriter(sp.GetRequiredService<PostgreSqlDatabase>()));
        services.Replace(ServiceDescriptor.Singleton<ICallStore>(sp => sp.GetRequiredService<PostgreSqlCallStore>()));
        services.AddSingleton(sp => new PostgreSqlSpendLedger(
            sp.GetRequiredService<PostgreSqlDatabase>(),
            options.LeaseDuration,
            sp.GetRequiredService<IOptionsMonitor<PromptOpsOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<PostgreSqlSpendLedger>>()));
        services.Replace(ServiceDescriptor.Singleton<ISpendLedger>(sp => sp.GetRequiredService<PostgreSqlSpendLedger>()));
        services.Replace(ServiceDescriptor.Singleton<IActivationLog>(sp => new PostgreSqlActivationLog(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IFeedbackStore>(sp => new PostgreSqlFeedbackStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.AddSingleton<IHostedService>(sp => new PostgreSqlStoreStartup(
            sp.GetRequiredService<PostgreSqlDatabase>(),
            sp.GetRequiredService<PostgreSqlCallStore>(),
            sp.GetRequiredService<PostgreSqlSpendLedger>(),
            options,
            sp.GetRequiredService<IOptionsMonitor<PromptOpsOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<PostgreSqlStoreStartup>>()));
        return builder;
    }
}
#pragma warning restore RS0026
