using Microsoft.Data.Sqlite;

namespace PromptOps;

/// <summary>
/// An <see cref="ISpendLedger"/> in the SQLite store: survives restarts, and is shared by every process that uses the file.
/// Each reservation and settlement is one immediate transaction, so reservations from several processes are serialised by
/// SQLite's write lock and a budget cannot be overspent across them. Amounts are kept in whole nano-dollars (1e-9 USD);
/// reservations round up, so rounding never lets a call through that does not fit.
/// </summary>
public sealed class SqliteSpendLedger : ISpendLedger
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _timeProvider;

    internal SqliteSpendLedger(SqliteDatabase database, TimeProvider timeProvider)
    {
        _database = database;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public ValueTask<SpendReservationResult> TryReserveAsync(SpendReservationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var amount = RoundUp(request.AmountUsd);
        using var connection = _database.OpenForLedger();
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var expire = Command(connection, transaction, "DELETE FROM spend_reservations WHERE expires_ticks < $now;"))
        {
            expire.Parameters.AddWithValue("$now", _timeProvider.GetUtcNow().UtcTicks);
            expire.ExecuteNonQuery();
        }

        for (var i = 0; i < request.Claims.Count; i++)
        {
            var claim = request.Claims[i];
            if (claim.LimitUsd is not { } limit)
            {
                continue;
            }

            var (spent, reserved) = Totals(connection, transaction, claim.Bucket);
            if (spent + reserved + amount > SqliteDatabase.ToNanoUsd(limit))
            {
                return ValueTask.FromResult(new SpendReservationResult(false, i, SqliteDatabase.FromNanoUsd(spent), SqliteDatabase.FromNanoUsd(reserved)));
            }
        }

        using (var insert = Command(connection, transaction, "INSERT OR REPLACE INTO spend_reservations (id, budget, scope_value, period_start_ticks, amount_nanousd, expires_ticks) VALUES ($id, $budget, $scope, $period, $amount, $expires);"))
        {
            var bucket = AddBucket(insert);
            insert.Parameters.AddWithValue("$id", request.ReservationId);
            insert.Parameters.AddWithValue("$amount", amount);
            insert.Parameters.AddWithValue("$expires", request.ExpiresAt.UtcTicks);
            foreach (var claim in request.Claims)
            {
                bucket(claim.Bucket);
                insert.ExecuteNonQuery();
            }
        }

        transaction.Commit();
        return ValueTask.FromResult(SpendReservationResult.Success);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SpendBucketTotal>> SettleAsync(string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        using var connection = _database.OpenForLedger();
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var release = Command(connection, transaction, "DELETE FROM spend_reservations WHERE id = $id;"))
        {
            release.Parameters.AddWithValue("$id", reservationId);
            release.ExecuteNonQuery();
        }

        var result = new SpendBucketTotal[buckets.Count];
        using (var add = Command(connection, transaction, "INSERT INTO spend_ledger (budget, scope_value, period_start_ticks, spent_nanousd) VALUES ($budget, $scope, $period, $amount) ON CONFLICT DO UPDATE SET spent_nanousd = spent_nanousd + excluded.spent_nanousd;"))
        {
            var bucket = AddBucket(add);
            add.Parameters.AddWithValue("$amount", SqliteDatabase.ToNanoUsd(actualCostUsd));
            for (var i = 0; i < buckets.Count; i++)
            {
                bucket(buckets[i]);
                add.ExecuteNonQuery();
                var (spent, reserved) = Totals(connection, transaction, buckets[i]);
                result[i] = new SpendBucketTotal(buckets[i], SqliteDatabase.FromNanoUsd(spent), SqliteDatabase.FromNanoUsd(reserved));
            }
        }

        transaction.Commit();
        return ValueTask.FromResult<IReadOnlyList<SpendBucketTotal>>(result);
    }

    /// <inheritdoc />
    public ValueTask<bool> TryRecordAlertAsync(SpendBucket bucket, double threshold, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenForLedger();
        using var insert = Command(connection, null, "INSERT OR IGNORE INTO spend_alerts (budget, scope_value, period_start_ticks, threshold, fired_ticks) VALUES ($budget, $scope, $period, $threshold, $now);");
        AddBucket(insert)(bucket);
        insert.Parameters.AddWithValue("$threshold", threshold);
        insert.Parameters.AddWithValue("$now", _timeProvider.GetUtcNow().UtcTicks);
        return ValueTask.FromResult(insert.ExecuteNonQuery() == 1);
    }

    /// <inheritdoc />
    public ValueTask<SpendBucketTotal> GetAsync(SpendBucket bucket, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenForLedger();
        var (spent, reserved) = Totals(connection, null, bucket);
        return ValueTask.FromResult(new SpendBucketTotal(bucket, SqliteDatabase.FromNanoUsd(spent), SqliteDatabase.FromNanoUsd(reserved)));
    }

    private (long Spent, long Reserved) Totals(SqliteConnection connection, SqliteTransaction? transaction, SpendBucket bucket)
    {
        using var query = Command(connection, transaction,
            "SELECT COALESCE((SELECT spent_nanousd FROM spend_ledger WHERE budget = $budget AND scope_value = $scope AND period_start_ticks = $period), 0), "
            + "COALESCE((SELECT SUM(amount_nanousd) FROM spend_reservations WHERE budget = $budget AND scope_value = $scope AND period_start_ticks = $period AND expires_ticks >= $now), 0);");
        AddBucket(query)(bucket);
        query.Parameters.AddWithValue("$now", _timeProvider.GetUtcNow().UtcTicks);
        using var reader = query.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>Adds the bucket parameters to a command and returns a setter for them.</summary>
    private static Action<SpendBucket> AddBucket(SqliteCommand command)
    {
        var budget = command.Parameters.Add("$budget", SqliteType.Text);
        var scope = command.Parameters.Add("$scope", SqliteType.Text);
        var period = command.Parameters.Add("$period", SqliteType.Integer);
        return bucket =>
        {
            budget.Value = bucket.Budget;
            scope.Value = bucket.ScopeValue;
            period.Value = bucket.PeriodStart.UtcTicks;
        };
    }

    private static long RoundUp(decimal usd) => (long)decimal.Ceiling(usd * 1_000_000_000m);
}
