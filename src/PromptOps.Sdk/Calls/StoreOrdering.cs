namespace PromptOps;

/// <summary>The order every <see cref="ICallStore"/> returns its aggregates and budget periods in, whatever the engine.</summary>
internal static class StoreOrdering
{
    /// <summary>Days read in calendar order; within a day (or without days), the costliest group first, then the busiest.</summary>
    public static IReadOnlyList<CallAggregate> Aggregates(IEnumerable<CallAggregate> aggregates, IReadOnlyList<CallGrouping> groupBy)
    {
        var day = groupBy.ToList().IndexOf(CallGrouping.Day);
        return [.. aggregates
            .OrderBy(a => day < 0 ? string.Empty : a.Keys[day], StringComparer.Ordinal)
            .ThenByDescending(a => a.Cost).ThenByDescending(a => a.Calls).ThenBy(a => string.Join('\u001f', a.Keys), StringComparer.Ordinal)];
    }

    /// <summary>Newest period first, then by share of the limit, highest first.</summary>
    public static IReadOnlyList<BudgetSpend> BudgetPeriods(IEnumerable<BudgetSpend> spend) =>
        [.. spend.OrderByDescending(s => s.PeriodStart).ThenByDescending(s => s.Share ?? 0).ThenBy(s => s.Budget, StringComparer.Ordinal).ThenBy(s => s.ScopeValue, StringComparer.Ordinal)];
}
