namespace PromptOps.Cli.Reports;

/// <summary>
/// The cost dashboard of one store and time range: totals, spend against each budget, the requested breakdowns, the top cost
/// drivers and the daily spend. Built once, then written as a table, JSON or HTML.
/// </summary>
internal sealed record CostReport
{
    public required string Store { get; init; }

    public required DateTimeOffset GeneratedAt { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public required CallAggregate Totals { get; init; }

    public required IReadOnlyList<BudgetSpend> Budgets { get; init; }

    /// <summary>Gets each budget and scope value once: its latest period, and how its periods in the range went.</summary>
    public required IReadOnlyList<BudgetSummary> BudgetSummaries { get; init; }

    public required IReadOnlyList<ReportBreakdown> Breakdowns { get; init; }

    public required IReadOnlyList<ReportBreakdown> TopDrivers { get; init; }

    public required IReadOnlyList<CallAggregate> Daily { get; init; }

    /// <summary>Gets the quality of each prompt version and variant, with its feedback (with <c>--by version</c>; empty otherwise).</summary>
    public IReadOnlyList<VersionQualityRow> Quality { get; init; } = [];

    /// <summary>Gets each A/B variant against its control (with <c>--by version</c>).</summary>
    public IReadOnlyList<VariantComparison> Comparisons { get; init; } = [];

    public static async Task<CostReport> BuildAsync(ICallStore store, IFeedbackStore feedback, string storeName, CallQuery query, IReadOnlyList<CallGrouping> by, int top, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Each grouping is read once, though the breakdowns, the top drivers and the daily chart may ask for it again.
        var aggregates = new Dictionary<CallGrouping, IReadOnlyList<CallAggregate>>();
        async Task<IReadOnlyList<CallAggregate>> GroupedBy(CallGrouping grouping)
        {
            if (!aggregates.TryGetValue(grouping, out var rows))
            {
                rows = await store.AggregateAsync(query, [grouping], cancellationToken).ConfigureAwait(false);
                aggregates[grouping] = rows;
            }

            return rows;
        }

        var totals = (await store.AggregateAsync(query, [], cancellationToken).ConfigureAwait(false)).SingleOrDefault() ?? Empty;
        var breakdowns = new List<ReportBreakdown>();
        foreach (var grouping in by)
        {
            breakdowns.Add(new ReportBreakdown(grouping, await GroupedBy(grouping).ConfigureAwait(false)));
        }

        var drivers = new List<ReportBreakdown>();
        foreach (var grouping in (CallGrouping[])[CallGrouping.User, CallGrouping.Feature, CallGrouping.PromptVersion])
        {
            drivers.Add(new ReportBreakdown(grouping, [.. (await GroupedBy(grouping).ConfigureAwait(false)).Where(r => r.Cost > 0).Take(top)]));
        }

        var daily = await GroupedBy(CallGrouping.Day).ConfigureAwait(false);
        var (quality, comparisons) = by.Contains(CallGrouping.PromptVersion)
            ? await VersionQuality.BuildAsync(store, feedback, query, cancellationToken).ConfigureAwait(false)
            : ([], []);
        var budgets = (await store.GetBudgetSpendAsync(PeriodsFrom(query.From), query.To, cancellationToken).ConfigureAwait(false))
            .Where(b => query.From is not { } from || PeriodEnd(b) > from)
            .ToList();
        return new CostReport
        {
            Store = storeName,
            GeneratedAt = now,
            From = query.From,
            To = query.To,
            Totals = totals,
            Budgets = budgets,
            BudgetSummaries = Summarise(budgets),
            Breakdowns = breakdowns,
            TopDrivers = drivers,
            Daily = [.. daily.OrderBy(d => d.Keys[0], StringComparer.Ordinal)],
            Quality = quality,
            Comparisons = comparisons,
        };
    }

    private static List<BudgetSummary> Summarise(IReadOnlyList<BudgetSpend> budgets) => [.. budgets
        .GroupBy(b => (b.Budget, b.ScopeValue))
        .Select(g => new BudgetSummary(
            g.MaxBy(b => b.PeriodStart)!,
            g.Count(),
            g.Count(b => b.Share is >= 0.9 and < 1),
            g.Count(b => b.Share >= 1),
            g.Max(b => b.Share)))
        .OrderByDescending(s => s.Latest.Share ?? 0)
        .ThenBy(s => s.Latest.Budget, StringComparer.Ordinal)];

    /// <summary>Gets the dimension's name as the command line and the outputs spell it.</summary>
    public static string Name(CallGrouping grouping) => grouping switch
    {
        CallGrouping.PromptVersion => "version",
        _ => grouping.ToString().ToLowerInvariant(),
    };

    /// <summary>When a budget period ends; periods that ended before the range are not part of the report.</summary>
    private static DateTimeOffset PeriodEnd(BudgetSpend budget) => budget.Period switch
    {
        "Week" => budget.PeriodStart.AddDays(7),
        "Month" => budget.PeriodStart.AddMonths(1),
        _ => budget.PeriodStart.AddDays(1),
    };

    /// <summary>A month-long budget period that began before the range still overlaps it.</summary>
    private static DateTimeOffset? PeriodsFrom(DateTimeOffset? from) => from?.AddDays(-31);

    private static readonly CallAggregate Empty = new()
    {
        Keys = [],
        Calls = 0,
        Errors = 0,
        InputTokens = 0,
        OutputTokens = 0,
        CachedInputTokens = 0,
        Cost = 0,
        UnpricedCalls = 0,
        P50Latency = TimeSpan.Zero,
        P95Latency = TimeSpan.Zero,
    };
}

/// <summary>One budget and scope value over the report's range: its latest period, how many periods came near (90%) or over the limit, and the highest share.</summary>
internal sealed record BudgetSummary(BudgetSpend Latest, int Periods, int NearLimit, int OverLimit, double? PeakShare);

/// <summary>The calls of a report grouped by one dimension, by cost, highest first.</summary>
internal sealed record ReportBreakdown(CallGrouping By, IReadOnlyList<CallAggregate> Rows)
{
    public string Name => CostReport.Name(By);
}
