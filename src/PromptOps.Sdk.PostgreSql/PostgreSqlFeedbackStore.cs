using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace PromptOps;

/// <summary>The <see cref="IFeedbackStore"/> in the PostgreSQL store: every instance's feedback next to every instance's calls.</summary>
public sealed class PostgreSqlFeedbackStore : IFeedbackStore
{
    private readonly PostgreSqlDatabase _database;

    internal PostgreSqlFeedbackStore(PostgreSqlDatabase database) => _database = database;

    /// <inheritdoc />
    public async ValueTask<bool> TryRecordAsync(PromptFeedback feedback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);

        // One statement: the feedback is stored only if its call is.
        await using var command = new NpgsqlCommand(
            $"INSERT INTO {_database.Schema}.feedback (request_id, name, score, category, comment, given_by, given_at) "
            + $"SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM {_database.Schema}.calls WHERE request_id = $1);",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = PostgreSqlCallWriter.Clean(feedback.RequestId), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = feedback.Name, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)feedback.Score ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        command.Parameters.Add(Text(feedback.Category));
        command.Parameters.Add(Text(feedback.Comment));
        command.Parameters.Add(Text(feedback.GivenBy));
        command.Parameters.Add(new NpgsqlParameter { Value = feedback.Timestamp.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PromptFeedback>> GetAsync(string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT request_id, name, score, category, comment, given_by, given_at FROM {_database.Schema}.feedback WHERE request_id = $1 ORDER BY id;",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = PostgreSqlCallWriter.Clean(requestId), NpgsqlDbType = NpgsqlDbType.Text });
        var found = new List<PromptFeedback>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(FeedbackRows.Feedback(reader, new DateTimeOffset(reader.GetDateTime(6).ToUniversalTime(), TimeSpan.Zero)));
        }

        return found;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<FeedbackSummary>> SummarizeAsync(DateTimeOffset? startedFrom = null, DateTimeOffset? startedBefore = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand { Connection = connection };
        var range = new StringBuilder();
        if (startedFrom is { } start)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = start.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            range.Append(" AND started_at >= $").Append(command.Parameters.Count);
        }

        if (startedBefore is { } end)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = end.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            range.Append(" AND started_at < $").Append(command.Parameters.Count);
        }

        // A request's first call made from a prompt names the version its feedback is about.
        command.CommandText = $"""
            WITH first_calls AS (
                SELECT DISTINCT ON (request_id) request_id, prompt_id, prompt_version, variant FROM {_database.Schema}.calls
                WHERE prompt_id IS NOT NULL AND request_id IN (SELECT request_id FROM {_database.Schema}.feedback){range}
                ORDER BY request_id, id)
            SELECT c.prompt_id, COALESCE(c.prompt_version, '?'), c.variant, f.name, COUNT(*), COUNT(f.score), AVG(f.score), COALESCE(SUM(f.score * f.score), 0)
            FROM {_database.Schema}.feedback f JOIN first_calls c ON c.request_id = f.request_id
            GROUP BY c.prompt_id, c.prompt_version, c.variant, f.name
            ORDER BY c.prompt_id COLLATE "C", COALESCE(c.prompt_version, '?') COLLATE "C", c.variant COLLATE "C" NULLS FIRST, f.name COLLATE "C";
            """;
        var summaries = new List<FeedbackSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            summaries.Add(FeedbackRows.Summary(reader));
        }

        return summaries;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = value is null ? DBNull.Value : PostgreSqlCallWriter.Clean(value), NpgsqlDbType = NpgsqlDbType.Text };
}
