using System.Text;
using Npgsql;

namespace PromptOps;

/// <summary>
/// The <see cref="IActivationLog"/> in the PostgreSQL store: every activation, rollback and promotion of every instance, in
/// one place. Recording an activation notifies every instance at once (LISTEN/NOTIFY on the channel
/// <c>promptops_activations</c>), so they need not wait for their next poll.
/// </summary>
public sealed class PostgreSqlActivationLog : IActivationLog, IActivationChangeFeed, IAsyncDisposable, IDisposable
{
    private const string Channel = "promptops_activations";

    private readonly PostgreSqlDatabase _database;
    private readonly SemaphoreSlim _listening = new(1, 1);
    private NpgsqlConnection? _listener;
    private int _disposed;

    internal PostgreSqlActivationLog(PostgreSqlDatabase database) => _database = database;

    /// <inheritdoc />
    public async ValueTask RecordAsync(PromptActivation activation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activation);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await InsertAsync(connection, activation, cancellationToken).ConfigureAwait(false);
        await NotifyAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryRecordAsync(PromptActivation activation, string? expectedLatestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activation);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            // Writers of the log take turns for the check and the append; readers are not blocked. Activations are rare.
            await using (var lockTable = new NpgsqlCommand($"LOCK TABLE {_database.Schema}.activations IN SHARE ROW EXCLUSIVE MODE;", connection, transaction))
            {
                await lockTable.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var latest = new NpgsqlCommand(
                $"SELECT activation_id FROM {_database.Schema}.activations WHERE prompt_id = $1 AND lower(environment) = lower($2) AND kind <> 'observed' ORDER BY id DESC LIMIT 1;",
                connection,
                transaction))
            {
                latest.Parameters.Add(new NpgsqlParameter { Value = activation.PromptId });
                latest.Parameters.Add(new NpgsqlParameter { Value = activation.Environment });
                if (await latest.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string != expectedLatestId)
                {
                    return false;
                }
            }

            await InsertAsync(connection, activation, cancellationToken, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await NotifyAsync(connection, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task InsertAsync(NpgsqlConnection connection, PromptActivation activation, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(
            $"INSERT INTO {_database.Schema}.activations (activation_id, prompt_id, environment, from_version, to_version, activated_by, activated_at, reason, kind, relates_to, rollout) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);",
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = activation.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = activation.PromptId });
        command.Parameters.Add(new NpgsqlParameter { Value = activation.Environment });
        command.Parameters.Add(Text(activation.FromVersion));
        command.Parameters.Add(new NpgsqlParameter { Value = activation.ToVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = activation.ActivatedBy });
        command.Parameters.Add(new NpgsqlParameter { Value = activation.Timestamp.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(Text(activation.Reason));
        command.Parameters.Add(new NpgsqlParameter { Value = ActivationKindText.Of(activation.Kind) });
        command.Parameters.Add(Text(activation.RelatesTo));
        command.Parameters.Add(Text(activation.Rollout));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    private async Task NotifyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var notify = new NpgsqlCommand("SELECT pg_notify($1, $2);", connection);
        notify.Parameters.Add(new NpgsqlParameter { Value = Channel });
        notify.Parameters.Add(new NpgsqlParameter { Value = _database.SchemaName });
        await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connection that listens for activations.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _listening.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_listener is not null)
            {
                await _listener.DisposeAsync().ConfigureAwait(false);
                _listener = null;
            }
        }
        finally
        {
            _listening.Release();
        }
    }

    /// <summary>Closes the connection that listens for activations.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Returns when an activation was recorded in this store's schema by any instance, or after the timeout.</summary>
    async Task IActivationChangeFeed.WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _listening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            if (_listener is null)
            {
                await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
                var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel};", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                _listener = connection;
            }

            // Notifications of other schemas on the same database wake it too: a read that finds nothing new is cheap.
            await _listener.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            // The listening connection broke (a restart): poll until a new one listens.
            if (_listener is not null)
            {
                await _listener.DisposeAsync().ConfigureAwait(false);
                _listener = null;
            }

            await Task.Delay(timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _listening.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PromptActivation>> GetHistoryAsync(string? promptId = null, string? environment = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder($"SELECT prompt_id, environment, from_version, to_version, activated_by, activated_at, reason, kind, activation_id, relates_to, rollout FROM {_database.Schema}.activations");
        if (promptId is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = promptId });
            sql.Append(" WHERE prompt_id = $1");
        }

        if (environment is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = environment });
            sql.Append(promptId is null ? " WHERE" : " AND").Append(" lower(environment) = lower($").Append(command.Parameters.Count).Append(')');
        }

        // The order of appending, not of timestamps: instances' clocks may disagree, the log's sequence does not.
        command.CommandText = sql.Append(" ORDER BY id;").ToString();
        var history = new List<PromptActivation>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            history.Add(new PromptActivation
            {
                PromptId = reader.GetString(0),
                Environment = reader.GetString(1),
                FromVersion = reader.IsDBNull(2) ? null : reader.GetString(2),
                ToVersion = reader.GetString(3),
                ActivatedBy = reader.GetString(4),
                Timestamp = new DateTimeOffset(reader.GetDateTime(5).ToUniversalTime(), TimeSpan.Zero),
                Reason = reader.IsDBNull(6) ? null : reader.GetString(6),
                Kind = ActivationKindText.Parse(reader.GetString(7)),
                Id = reader.GetString(8),
                RelatesTo = reader.IsDBNull(9) ? null : reader.GetString(9),
                Rollout = reader.IsDBNull(10) ? null : reader.GetString(10),
            });
        }

        return history;
    }
}
