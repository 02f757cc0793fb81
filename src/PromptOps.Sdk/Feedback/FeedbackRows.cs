using System.Data.Common;

namespace PromptOps;

/// <summary>How every store reads its feedback rows back, whatever the engine: the columns in the order the stores select them.</summary>
internal static class FeedbackRows
{
    /// <summary>Reads request id, name, score, category, comment and given-by (columns 0 to 5); the engine reads the timestamp.</summary>
    public static PromptFeedback Feedback(DbDataReader reader, DateTimeOffset timestamp) => new()
    {
        RequestId = reader.GetString(0),
        Name = reader.GetString(1),
        Score = reader.IsDBNull(2) ? null : reader.GetDouble(2),
        Category = reader.IsDBNull(3) ? null : reader.GetString(3),
        Comment = reader.IsDBNull(4) ? null : reader.GetString(4),
        GivenBy = reader.IsDBNull(5) ? null : reader.GetString(5),
        Timestamp = timestamp,
    };

    /// <summary>Reads prompt id, version, variant, name, count, scored count, mean and sum of squares (columns 0 to 7).</summary>
    public static FeedbackSummary Summary(DbDataReader reader) => new()
    {
        PromptId = reader.GetString(0),
        PromptVersion = reader.GetString(1),
        Variant = reader.IsDBNull(2) ? null : reader.GetString(2),
        Name = reader.GetString(3),
        Count = reader.GetInt64(4),
        Scored = reader.GetInt64(5),
        Mean = reader.IsDBNull(6) ? null : reader.GetDouble(6),
        SumOfSquares = reader.GetDouble(7),
    };
}
