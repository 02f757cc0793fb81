using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>
/// When the host starts: brings the store's schema up to date (a store written by a newer PromptOps fails the start), writes
/// the configured spend budgets so reports can show spend against them, and runs retention every hour when it is on.
/// </summary>
internal sealed partial class SqliteStoreStartup(
    SqliteDatabase database,
    SqliteCallStore store,
    SqliteStoreOptions options,
    IOptionsMonitor<PromptOpsOptions> promptOps,
    TimeProvider timeProvider,
    ILogger<SqliteStoreStartup>? logger = null) : IHostedService, IDisposable
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _budgetsChanged;
    private Task? _retention;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        database.EnsureSchema();
        WriteBudgets(promptOps.CurrentValue.Spending);
        _budgetsChanged = promptOps.OnChange(o => WriteBudgets(o.Spending));
        LogStarted(_logger, database.Name);
        if (options.RetentionDays is { } days)
        {
            _retention = Task.Run(() => RetainAsync(days, _stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_retention is not null)
        {
            await _retention.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _budgetsChanged?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Keeps the store's copy of the budget definitions equal to the configuration, for the report's spend-against-budget view.</summary>
    private void WriteBudgets(PromptOpsSpendingOptions spending)
    {
        try
        {
            using var connection = database.Open();
            using var transaction = connection.BeginTransaction(deferred: false);
            SqliteDatabase.Execute(connection, "DELETE FROM spend_budgets;", transaction);
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO spend_budgets (name, scope, match, period, limit_usd, action, downgrade_model, time_zone, updated_ticks) VALUES ($name, $scope, $match, $period, $limit, $action, $downgrade, $zone, $now);";
            foreach (var (name, budget) in spending.Budgets)
            {
                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$name", name);
                insert.Parameters.AddWithValue("$scope", budget.Scope.ToString());
                insert.Parameters.AddWithValue("$match", (object?)budget.Match ?? DBNull.Value);
                insert.Parameters.AddWithValue("$period", budget.Period.ToString());
                insert.Parameters.AddWithValue("$limit", budget.LimitUsd.ToString(CultureInfo.InvariantCulture));
                insert.Parameters.AddWithValue("$action", budget.Action.ToString());
                insert.Parameters.AddWithValue("$downgrade", (object?)budget.DowngradeModel ?? DBNull.Value);
                insert.Parameters.AddWithValue("$zone", string.IsNullOrWhiteSpace(spending.TimeZone) ? "UTC" : spending.TimeZone);
                insert.Parameters.AddWithValue("$now", timeProvider.GetUtcNow().UtcTicks);
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            LogBudgetsNotWritten(_logger, ex, database.Name);
        }
    }

    private Task RetainAsync(int days, CancellationToken cancellationToken) => StoreRetention.RunAsync(
        store,
        days,
        timeProvider,
        deleted => LogRetention(_logger, deleted, days, database.Name),
        ex =>
        {
            if (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                LogRetentionFailed(_logger, ex, database.Name);
                return true;
            }

            return false;
        },
        cancellationToken);

    [LoggerMessage(EventId = 2510, Level = LogLevel.Information, Message = "PromptOps store: {Path}")]
    private static partial void LogStarted(ILogger logger, string path);

    [LoggerMessage(EventId = 2511, Level = LogLevel.Warning, Message = "Could not write the spend budget definitions to the PromptOps store '{Path}'; reports will show spend without limits until they are written.")]
    private static partial void LogBudgetsNotWritten(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 2512, Level = LogLevel.Information, Message = "Retention: deleted {Deleted} call record(s) older than {Days} day(s) from '{Path}'.")]
    private static partial void LogRetention(ILogger logger, long deleted, int days, string path);

    [LoggerMessage(EventId = 2513, Level = LogLevel.Warning, Message = "Retention could not delete old call records from '{Path}'; it tries again in an hour.")]
    private static partial void LogRetentionFailed(ILogger logger, Exception exception, string path);
}
