using System.Text;
using Microsoft.Data.Sqlite;

namespace PromptOps;

/// <summary>The <see cref="IActivationLog"/> in the SQLite store: every label switch, rollback and promotion, kept with the call records.</summary>
public sealed class SqliteActivationLog : IActivationLog
{
    private readonly SqliteDatabase _database;

    internal SqliteActivationLog(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async ValueTask RecordAsync(PromptActivation activation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activation);
        await using var connection = _database.Open();
        await InsertAsync(connection, null, activation, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryRecordAsync(PromptActivation activation, string? expectedLatestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activation);
        await using var connection = _database.Open();

        // An immediate transaction takes the file's write lock first: no other process appends between the check and the insert.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var latest = connection.CreateCommand())
        {
            latest.Transaction = transaction;
            latest.CommandText = "SELECT activation_id FROM activations WHERE prompt_id = $prompt AND environment = $environment COLLATE NOCASE AND kind <> 'observed' ORDER BY id DESC LIMIT 1;";
            latest.Parameters.AddWithValue("$prompt", activation.PromptId);
            latest.Parameters.AddWithValue("$environment", activation.Environment);
            var found = await latest.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            if (found != expectedLatestId)
            {
                return false;
            }
        }

        await InsertAsync(connection, transaction, activation, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task InsertAsync(SqliteConnection connection, SqliteTransaction? transaction, PromptActivation activation, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO activations (activation_id, prompt_id, environment, from_version, to_version, activated_by, timestamp_ticks, reason, kind, relates_to, rollout) "
            + "VALUES ($id, $prompt, $environment, $from, $to, $by, $at, $reason, $kind, $relates, $rollout);";
        command.Parameters.AddWithValue("$id", activation.Id);
        command.Parameters.AddWithValue("$prompt", activation.PromptId);
        command.Parameters.AddWithValue("$environment", activation.Environment);
        command.Parameters.AddWithValue("$from", (object?)activation.FromVersion ?? DBNull.Value);
        command.Parameters.AddWithValue("$to", activation.ToVersion);
        command.Parameters.AddWithValue("$by", activation.ActivatedBy);
        command.Parameters.AddWithValue("$at", activation.Timestamp.UtcTicks);
        command.Parameters.AddWithValue("$reason", (object?)activation.Reason ?? DBNull.Value);
        command.Parameters.AddWithValue("$kind", ActivationKindText.Of(activation.Kind));
        command.Parameters.AddWithValue("$relates", (object?)activation.RelatesTo ?? DBNull.Value);
        command.Parameters.AddWithValue("$rollout", (object?)activation.Rollout ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PromptActivation>> GetHistoryAsync(string? promptId = null, string? environment = null, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT prompt_id, environment, from_version, to_version, activated_by, timestamp_ticks, reason, kind, activation_id, relates_to, rollout FROM activations");
        if (promptId is not null)
        {
            sql.Append(" WHERE prompt_id = $prompt");
            command.Parameters.AddWithValue("$prompt", promptId);
        }

        if (environment is not null)
        {
            sql.Append(promptId is null ? " WHERE" : " AND").Append(" environment = $environment COLLATE NOCASE");
            command.Parameters.AddWithValue("$environment", environment);
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
                Timestamp = new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
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
