using System.Globalization;
using System.Text;

namespace PromptOps;

/// <summary>The <see cref="IFeedbackStore"/> in the SQLite store: feedback in the same file as the calls it is about.</summary>
public sealed class SqliteFeedbackStore : IFeedbackStore
{
    private readonly SqliteDatabase _database;

    internal SqliteFeedbackStore(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async ValueTask<bool> TryRecordAsync(PromptFeedback feedback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();

        // One statement: the feedback is stored only if its call is, with nothing in between.
        command.CommandText = "INSERT INTO feedback (request_id, name, score, category, comment, given_by, timestamp_ticks) "
            + "SELECT $request, $name, $score, $category, $comment, $by, $at WHERE EXISTS (SELECT 1 FROM calls WHERE request_id = $request);";
        command.Parameters.AddWithValue("$request", feedback.RequestId);
        command.Parameters.AddWithValue("$name", feedback.Name);
        command.Parameters.AddWithValue("$score", (object?)feedback.Score ?? DBNull.Value);
        command.Parameters.AddWithValue("$category", (object?)feedback.Category ?? DBNull.Value);
        command.Parameters.AddWithValue("$comment", (object?)feedback.Comment ?? DBNull.Value);
        command.Parameters.AddWithValue("$by", (object?)feedback.GivenBy ?? DBNull.Value);
        command.Parameters.AddWithValue("$at", feedback.Timestamp.UtcTicks);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PromptFeedback>> GetAsync(string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT request_id, name, score, category, comment, given_by, timestamp_ticks FROM feedback WHERE request_id = $request ORDER BY id;";
        command.Parameters.AddWithValue("$request", requestId);
        var found = new List<PromptFeedback>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(FeedbackRows.Feedback(reader, new DateTimeOffset(reader.GetInt64(6), TimeSpan.Zero)));
        }

        return found;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<FeedbackSummary>> SummarizeAsync(DateTimeOffset? startedFrom = null, DateTimeOffset? startedBefore = null, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        var range = new StringBuilder();
        if (startedFrom is { } start)
        {
            range.Append(" AND timestamp_ticks >= $from");
            command.Parameters.AddWithValue("$from", start.UtcTicks);
        }

        if (startedBefore is { } end)
        {
            range.Append(" AND timestamp_ticks < $to");
            command.Parameters.AddWithValue("$to", end.UtcTicks);
        }

        // A request's first call made from a prompt names the version its feedback is about (SQLite takes the bare
        // columns from the row with the smallest id).
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
            WITH first_calls AS (
                SELECT request_id, prompt_id, prompt_version, variant, MIN(id) FROM calls
                WHERE prompt_id IS NOT NULL AND request_id IN (SELECT request_id FROM feedback){range}
                GROUP BY request_id)
            SELECT c.prompt_id, COALESCE(c.prompt_version, '?'), c.variant, f.name, COUNT(*), COUNT(f.score), AVG(f.score), COALESCE(SUM(f.score * f.score), 0)
            FROM feedback f JOIN first_calls c ON c.request_id = f.request_id
            GROUP BY c.prompt_id, c.prompt_version, c.variant, f.name
            ORDER BY c.prompt_id, c.prompt_version, c.variant, f.name;
            """);
        var summaries = new List<FeedbackSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            summaries.Add(FeedbackRows.Summary(reader));
        }

        return summaries;
    }
}
