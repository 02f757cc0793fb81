using System.Text;
using Npgsql;

namespace PromptOps;

/// <summary>The <see cref="IActivationLog"/> in the PostgreSQL store: every label switch, rollback and promotion of every instance, in one place.</summary>
public sealed class PostgreSqlActivationLog : IActivationLog
{
    private readonly PostgreSqlDatabase _database;

    internal PostgreSqlActivationLog(PostgreSqlDatabase database) => _database = database;

    /// <inheritdoc />
    public async ValueTask RecordAsync(PromptActivation activation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activation);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"INSERT INTO {_database.Schema}.activations (prompt_id, environment, from_version, to_version, activated_by, activated_at, reason, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = activation.PromptId });
        command.Parameters.Add(new NpgsqlParameter { Value = activation.Environment });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)activation.FromVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = activation.ToVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = activation.ActivatedBy });
        command.Parameters.Add(new NpgsqlParameter { Value = activation.Timestamp.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)activation.Reason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = activation.Kind == PromptActivationKind.Observed ? "observed" : "activated" });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PromptActivation>> GetHistoryAsync(string? promptId = null, string? environment = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder($"SELECT prompt_id, environment, from_version, to_version, activated_by, activated_at, reason, kind FROM {_database.Schema}.activations");
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

        command.CommandText = sql.Append(" ORDER BY activated_at, id;").ToString();
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
                Kind = reader.GetString(7) == "activated" ? PromptActivationKind.Activated : PromptActivationKind.Observed,
            });
        }

        return history;
    }
}
