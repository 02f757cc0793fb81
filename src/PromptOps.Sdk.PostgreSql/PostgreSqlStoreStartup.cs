using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace PromptOps;

/// <summary>
/// When the host starts: brings the store's schema up to date (a wrong password, a missing database or a store written by a
/// newer PromptOps fails the start; a server that cannot be reached is logged and retried, and calls go on meanwhile),
/// writes the configured spend budgets so reports can show spend against them, and runs retention every hour when it is on.
/// </summary>
internal sealed partial class PostgreSqlStoreStartup(
    PostgreSqlDatabase database,
    PostgreSqlCallStore store,
    PostgreSqlSpendLedger ledger,
    PostgreSqlStoreOptions options,
    IOptionsMonitor<PromptOpsOptions> promptOps,
    TimeProvider timeProvider,
    ILogger<PostgreSqlStoreStartup>? logger = null) : IHostedService, IDisposable
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _budgetsChanged;
    private Task? _background;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            await WriteBudgetsAsync(promptOps.CurrentValue.Spending, cancellationToken).ConfigureAwait(false);
            await ledger.WarmUpAsync(cancellationToken).ConfigureAwait(false);
            LogStarted(_logger, database.Name);
        }
        catch (Exception ex) when (PostgreSqlErrors.IsConfiguration(ex))
        {
            throw new PromptOpsException($"The PromptOps store {database.Name} cannot be used: {ex.Message} {PostgreSqlErrors.Hint(ex)}", ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            // Down or restarting: records wait in the queue and are retried, budgets are enforced by the fail-safe front,
            // and the schema is brought up to date on the first use that reaches the server.
            LogUnavailableAtStart(_logger, ex, database.Name, PostgreSqlErrors.Hint(ex));
        }

        _budgetsChanged = promptOps.OnChange(o => _ = WriteBudgetsSafelyAsync(o.Spending));
        if (options.RetentionDays is { } days)
        {
            _background = Task.Run(() => RetainAsync(days, _stopping.Token), CancellationToken.None);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_background is not null)
        {
            await _background.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _budgetsChanged?.Dispose();
        _stopping.Dispose();
    }

    private async Task WriteBudgetsSafelyAsync(PromptOpsSpendingOptions spending)
    {
        try
        {
            await WriteBudgetsAsync(spending, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException or PromptOpsException)
        {
            LogBudgetsNotWritten(_logger, ex, database.Name);
        }
    }

    /// <summary>Keeps the store's copy of the budget definitions equal to the configuration, for the report's spend-against-budget view.</summary>
    private async Task WriteBudgetsAsync(PromptOpsSpendingOptions spending, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await PostgreSqlDatabase.ExecuteAsync(connection, transaction, $"DELETE FROM {database.Schema}.spend_budgets;", cancellationToken).ConfigureAwait(false);
        foreach (var (name, budget) in spending.Budgets)
        {
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO {database.Schema}.spend_budgets (name, scope, match, period, limit_usd, action, downgrade_model, time_zone, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now());",
                connection,
                transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = name });
            insert.Parameters.Add(new NpgsqlParameter { Value = budget.Scope.ToString() });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)budget.Match ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = budget.Period.ToString() });
            insert.Parameters.Add(new NpgsqlParameter { Value = budget.LimitUsd });
            insert.Parameters.Add(new NpgsqlParameter { Value = budget.Action.ToString() });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)budget.DowngradeModel ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = string.IsNullOrWhiteSpace(spending.TimeZone) ? "UTC" : spending.TimeZone });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task RetainAsync(int days, CancellationToken cancellationToken) => StoreRetention.RunAsync(
        store,
        days,
        timeProvider,
        deleted => LogRetention(_logger, deleted, days, database.Name),
        ex =>
        {
            if (ex is NpgsqlException or TimeoutException or IOException or PromptOpsException)
            {
                LogRetentionFailed(_logger, ex, database.Name);
                return true;
            }

            return false;
        },
        cancellationToken);

    [LoggerMessage(EventId = 2610, Level = LogLevel.Information, Message = "PromptOps store: PostgreSQL {Store}")]
    private static partial void LogStarted(ILogger logger, string store);

    [LoggerMessage(EventId = 2611, Level = LogLevel.Error, Message = "The PromptOps store {Store} cannot be reached at start. {Hint} Calls go on: records wait and are retried, spend budgets are enforced in this process until it answers.")]
    private static partial void LogUnavailableAtStart(ILogger logger, Exception exception, string store, string hint);

    [LoggerMessage(EventId = 2612, Level = LogLevel.Warning, Message = "Could not write the spend budget definitions to the PromptOps store {Store}; reports will show spend without limits until they are written.")]
    private static partial void LogBudgetsNotWritten(ILogger logger, Exception exception, string store);

    [LoggerMessage(EventId = 2613, Level = LogLevel.Information, Message = "Retention: deleted {Deleted} call record(s) older than {Days} day(s) from {Store}.")]
    private static partial void LogRetention(ILogger logger, long deleted, int days, string store);

    [LoggerMessage(EventId = 2614, Level = LogLevel.Warning, Message = "Retention could not delete old call records from {Store}; it tries again in an hour.")]
    private static partial void LogRetentionFailed(ILogger logger, Exception exception, string store);
}
