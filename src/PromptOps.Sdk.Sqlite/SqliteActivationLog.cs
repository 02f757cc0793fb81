using System.Text;

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
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO activations (prompt_id, environment, from_version, to_version, activated_by, timestamp_ticks, reason, kind) VALUES ($prompt, $environment, $from, $to, $by, $at, $reason, $kind);";
        command.Parameters.AddWithValue("$prompt", activation.PromptId);
        command.Parameters.AddWithValue("$environment", activation.Environment);
        command.Parameters.AddWithValue("$from", (object?)activation.FromVersion ?? DBNull.Value);
        command.Parameters.AddWithValue("$to", activation.ToVersion);
        command.Parameters.AddWithValue("$by", activation.ActivatedBy);
        command.Parameters.AddWithValue("$at", activation.Timestamp.UtcTicks);
        command.Parameters.AddWithValue("$reason", (object?)activation.Reason ?? DBNull.Value);
        command.Parameters.AddWithValue("$kind", ActivationKindText.Of(activation.Kind));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PromptActivation>> GetHistoryAsync(string? promptId = null, string? environment = null, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT prompt_id, environment, from_version, to_version, activated_by, timestamp_ticks, reason, kind FROM activations");
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

        command.CommandText = sql.Append(" ORDER BY timestamp_ticks, id;").ToString();
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
            });
        }

        return history;
    }
}
