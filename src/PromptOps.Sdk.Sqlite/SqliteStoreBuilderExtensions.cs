using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>Adds the SQLite store to PromptOps.</summary>
public static class SqliteStoreBuilderExtensions
{
    /// <summary>
    /// Stores every call record, the spend ledger and the activation log in one SQLite file: registers a call sink that writes
    /// each batch of records in one transaction (batching, retries and flushing are set in <see cref="PromptOpsCallOptions"/>)
    /// and an <see cref="ICallStore"/> (<see cref="SqliteCallStore"/>) that reads them, and replaces the in-memory
    /// <see cref="ISpendLedger"/> and <see cref="IActivationLog"/> with <see cref="SqliteSpendLedger"/> and
    /// <see cref="SqliteActivationLog"/>.
    /// </summary>
    /// <param name="builder">The PromptOps builder.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, for example <c>Data Source=promptops.db</c>; a relative path starts from the current directory, and missing directories are created.</param>
    /// <param name="configure">Sets retention and the busy timeout.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentException">The connection string or a setting is invalid.</exception>
    /// <remarks>
    /// The schema is created or upgraded when the host starts (in WAL mode, so readers such as <c>promptops report</c> never
    /// block the writer); a file written by a newer PromptOps fails the start with a clear message. Several processes may
    /// share one file: their spend budgets then share one ledger.
    /// </remarks>
    public static IPromptOpsBuilder AddSqliteStore(this IPromptOpsBuilder builder, string connectionString, Action<SqliteStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new SqliteStoreOptions();
        configure?.Invoke(options);
        options.Validate();
        var database = new SqliteDatabase(connectionString, options.BusyTimeout);
        var services = builder.Services;
        services.AddSingleton(_ => new SqliteCallStore(database));
        services.AddSingleton<IPromptCallSink>(sp => new SqliteCallWriter(database, sp.GetService<ILogger<SqliteCallWriter>>()));
        services.Replace(ServiceDescriptor.Singleton<ICallStore>(sp => sp.GetRequiredService<SqliteCallStore>()));
        services.Replace(ServiceDescriptor.Singleton<ISpendLedger>(sp => new SqliteSpendLedger(database, sp.GetRequiredService<TimeProvider>())));
        services.Replace(ServiceDescriptor.Singleton<IActivationLog>(_ => new SqliteActivationLog(database)));
        services.Replace(ServiceDescriptor.Singleton<IFeedbackStore>(_ => new SqliteFeedbackStore(database)));
        services.AddSingleton<IHostedService>(sp => new SqliteStoreStartup(
            database,
            sp.GetRequiredService<SqliteCallStore>(),
            options,
            sp.GetRequiredService<IOptionsMonitor<PromptOpsOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<SqliteStoreStartup>>()));
        return builder;
    }

    /// <summary>Opens a store file to query it, for tools and reports; the schema is created or upgraded on first use.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string.</param>
    /// <param name="configure">Sets the store's options.</param>
    /// <returns>The store.</returns>
    public static SqliteCallStore OpenSqliteStore(string connectionString, Action<SqliteStoreOptions>? configure = null)
    {
        var options = new SqliteStoreOptions();
        configure?.Invoke(options);
        options.Validate();
        return new SqliteCallStore(new SqliteDatabase(connectionString, options.BusyTimeout));
    }

    /// <summary>Opens the feedback of a store file, for tools and reports; the schema is created or upgraded on first use.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string.</param>
    /// <returns>The feedback store.</returns>
    internal static SqliteFeedbackStore OpenFeedbackStore(string connectionString) =>
        new(new SqliteDatabase(connectionString, new SqliteStoreOptions().BusyTimeout));

    /// <summary>Opens the activation log of a store file, for tools such as <c>promptops activate --store promptops.db</c>; the schema is created or upgraded on first use.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string.</param>
    /// <returns>The activation log.</returns>
    public static SqliteActivationLog OpenActivationLog(string connectionString) =>
        new(new SqliteDatabase(connectionString, new SqliteStoreOptions().BusyTimeout));
}
