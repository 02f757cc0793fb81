namespace PromptOps;

/// <summary>
/// Reads what drift detection compares from a store: for every prompt version called in the recent window, its calls in the
/// recent window and in the reference window just before it (the most recent <see cref="SampleLimit"/> of each), and the
/// feedback on them.
/// </summary>
internal static class DriftCheck
{
    public const int SampleLimit = 20_000;

    public static async Task<List<DriftFinding>> RunAsync(
        ICallStore calls,
        IFeedbackStore? feedback,
        DateTimeOffset now,
        TimeSpan recent,
        TimeSpan reference,
        string? promptId,
        DriftRule rule,
        CancellationToken cancellationToken)
    {
        var recentFrom = now - recent;
        var referenceFrom = recentFrom - reference;
        var versions = await calls.AggregateAsync(new CallQuery { From = recentFrom, To = now, PromptId = promptId }, [CallGrouping.PromptVersion], cancellationToken).ConfigureAwait(false);
        var recentFeedback = feedback is null ? [] : await feedback.SummarizeAsync(recentFrom, now, cancellationToken).ConfigureAwait(false);
        var referenceFeedback = feedback is null ? [] : await feedback.SummarizeAsync(referenceFrom, recentFrom, cancellationToken).ConfigureAwait(false);
        var findings = new List<DriftFinding>();
        foreach (var key in versions.Select(v => v.Keys[0]).Where(k => k != "(none)").Order(StringComparer.Ordinal))
        {
            var at = key.LastIndexOf('@');
            var (id, version) = (key[..at], key[(at + 1)..]);
            var before = await calls.QueryAsync(new CallQuery { PromptId = id, PromptVersion = version, From = referenceFrom, To = recentFrom, Limit = SampleLimit }, cancellationToken).ConfigureAwait(false);
            var after = await calls.QueryAsync(new CallQuery { PromptId = id, PromptVersion = version, From = recentFrom, To = now, Limit = SampleLimit }, cancellationToken).ConfigureAwait(false);
            findings.AddRange(DriftDetector.Compare(
                key,
                before,
                after,
                [.. referenceFeedback.Where(f => f.PromptId == id && f.PromptVersion == version)],
                [.. recentFeedback.Where(f => f.PromptId == id && f.PromptVersion == version)],
                rule));
        }

        return findings;
    }
}
