namespace PromptOps.Tests;

/// <summary>Calls of two prompt versions (one request with a tool loop) and feedback on them, with the summary computed here, independently of any store.</summary>
internal static class SampleFeedback
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    public static List<PromptCallRecord> Calls()
    {
        var calls = new List<PromptCallRecord>();
        for (var i = 0; i < 40; i++)
        {
            var version = i % 2 == 0 ? "2.0.0" : "2.1.0";
            calls.Add(Call($"req-{i}", version, i, i % 2 == 0 ? "control" : "refund-window"));
        }

        // A tool loop: two round trips of one request; its feedback counts once, for the version of its first call.
        calls.Add(Call("req-loop", "2.1.0", 50, "refund-window"));
        calls.Add(Call("req-loop", "2.0.0", 51, "control")); // a later round trip of another version does not count
        return calls;
    }

    public static List<PromptFeedback> Feedback()
    {
        var feedback = new List<PromptFeedback>();
        for (var i = 0; i < 40; i++)
        {
            // 2.1.0 is liked more: up on three of four of its calls, one of four for 2.0.0.
            var up = i % 2 == 1 ? i % 8 != 1 : i % 8 == 0;
            feedback.Add(PromptFeedback.Thumbs($"req-{i}", up) with { Timestamp = Start.AddMinutes(i + 1) });
            if (i % 5 == 0)
            {
                feedback.Add(PromptFeedback.Scored($"req-{i}", "judge.helpfulness", i / 40.0) with { Timestamp = Start.AddMinutes(i + 2) });
            }
        }

        feedback.Add(PromptFeedback.Categorized("req-loop", "issue", "wrong-answer") with { Comment = "<script>alert(1)</script>", Timestamp = Start.AddHours(2) });
        feedback.Add(PromptFeedback.Flag("req-loop", "escalated", true) with { Timestamp = Start.AddHours(2) });
        return feedback;
    }

    /// <summary>The expected summary, computed from <see cref="Calls"/> and <see cref="Feedback"/> with LINQ.</summary>
    public static List<FeedbackSummary> ExpectedSummary()
    {
        var firstCall = Calls().GroupBy(c => c.RequestId).ToDictionary(g => g.Key, g => g.First());
        return [.. Feedback()
            .GroupBy(f => (firstCall[f.RequestId].PromptId!, firstCall[f.RequestId].PromptVersion!, firstCall[f.RequestId].Variant, f.Name))
            .OrderBy(g => g.Key.Item1, StringComparer.Ordinal).ThenBy(g => g.Key.Item2, StringComparer.Ordinal).ThenBy(g => g.Key.Variant, StringComparer.Ordinal).ThenBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g => new FeedbackSummary
            {
                PromptId = g.Key.Item1,
                PromptVersion = g.Key.Item2,
                Variant = g.Key.Variant,
                Name = g.Key.Name,
                Count = g.Count(),
                Scored = g.Count(f => f.Score is not null),
                Mean = g.Any(f => f.Score is not null) ? g.Where(f => f.Score is not null).Average(f => f.Score!.Value) : null,
                SumOfSquares = g.Where(f => f.Score is not null).Sum(f => f.Score!.Value * f.Score.Value),
            })];
    }

    private static PromptCallRecord Call(string requestId, string version, int minute, string variant) => new()
    {
        RequestId = requestId,
        Timestamp = Start.AddMinutes(minute),
        Feature = "support",
        PromptId = "customer-support",
        PromptVersion = version,
        Variant = variant,
        Label = "staging",
        Model = "gpt-4o-mini",
        Success = true,
        Latency = TimeSpan.FromMilliseconds(400),
        Cost = 0.001m,
    };
}
