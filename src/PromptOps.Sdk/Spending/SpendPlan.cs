namespace PromptOps;

/// <summary>One budget counting one call: its bucket for the period, when the period ends, and below what spend no alert can fire.</summary>
internal sealed record MatchedBudget(string Name, SpendBudget Budget, SpendBucket Bucket, DateTimeOffset PeriodEnd, decimal NoAlertBelowUsd)
{
    /// <summary>Returns <see langword="true"/> when a total of <paramref name="spent"/> may have crossed one of the budget's alert thresholds.</summary>
    public bool MayAlert(decimal spent) => Budget.LimitUsd > 0 && spent >= NoAlertBelowUsd;
}

/// <summary>
/// The budgets and time zone of one <see cref="PromptOpsSpendingOptions"/> instance, worked out once, and the buckets a call
/// counts in. Every call matches all global budgets, so their match (and ledger claims) is one shared array per period.
/// </summary>
internal sealed class SpendPlan
{
    private readonly PlannedBudget[] _budgets;
    private readonly bool _allGlobal;
    private GlobalMatch? _global;

    public SpendPlan(PromptOpsSpendingOptions options)
    {
        Options = options;

        // Validation on start guarantees the zone exists.
        Zone = SpendPeriods.TryFindZone(options.TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        _budgets = [.. options.Budgets.Select(b => new PlannedBudget(b.Key, b.Value))];
        _allGlobal = Array.TrueForAll(_budgets, b => b.Budget.Scope == SpendBudgetScope.Global);
    }

    public PromptOpsSpendingOptions Options { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>The budgets that count a call with these attributes at <paramref name="now"/>.</summary>
    public MatchedBudget[] Match(string feature, string? userId, string? tenantId, string? model, DateTimeOffset now)
    {
        if (_allGlobal)
        {
            return Volatile.Read(ref _global) is { } cached && IsCurrent(cached.Matched, now) ? cached.Matched : MatchGlobalAnew(now);
        }

        var matched = new MatchedBudget[_budgets.Length];
        var count = 0;
        foreach (var planned in _budgets)
        {
            var budget = planned.Budget;
            var value = budget.Scope switch
            {
                SpendBudgetScope.Feature => feature,
                SpendBudgetScope.User => userId,
                SpendBudgetScope.Tenant => tenantId,
                SpendBudgetScope.Model => model,
                _ => "*",
            };
            if (value is null)
            {
                continue;
            }

            if (budget.Scope != SpendBudgetScope.Global && budget.Match is { Length: > 0 } only)
            {
                if (!string.Equals(only, value, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                value = only;
            }

            matched[count++] = planned.Match(value, now, Zone);
        }

        return count == matched.Length ? matched : matched[..count];
    }

    /// <summary>
    /// The ledger claims of the matched budgets: the limit of each budget that refuses calls (a Downgrade budget only before
    /// the downgrade). The shared array of the global budgets keeps its claims.
    /// </summary>
    public SpendClaim[] Claims(MatchedBudget[] matched, bool downgraded)
    {
        if (!downgraded && Volatile.Read(ref _global) is { } cached && ReferenceEquals(cached.Matched, matched))
        {
            return cached.Claims;
        }

        return NewClaims(matched, downgraded);
    }

    private static SpendClaim[] NewClaims(MatchedBudget[] matched, bool downgraded)
    {
        var claims = new SpendClaim[matched.Length];
        for (var i = 0; i < claims.Length; i++)
        {
            var budget = matched[i].Budget;
            var checkedLimit = budget.Action == SpendLimitAction.Block || (budget.Action == SpendLimitAction.Downgrade && !downgraded);
            claims[i] = new SpendClaim(matched[i].Bucket, checkedLimit ? budget.LimitUsd : null);
        }

        return claims;
    }

    private MatchedBudget[] MatchGlobalAnew(DateTimeOffset now)
    {
        var matched = Array.ConvertAll(_budgets, b => b.Match("*", now, Zone));
        Volatile.Write(ref _global, new GlobalMatch(matched, NewClaims(matched, downgraded: false)));
        return matched;
    }

    private bool IsCurrent(MatchedBudget[] matched, DateTimeOffset now)
    {
        for (var i = 0; i < _budgets.Length; i++)
        {
            // A global budget returns the same match until its period ends.
            if (!ReferenceEquals(_budgets[i].Match("*", now, Zone), matched[i]))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record GlobalMatch(MatchedBudget[] Matched, SpendClaim[] Claims);

    /// <summary>A configured budget and its current period, which is worked out again only when a call falls outside it.</summary>
    private sealed class PlannedBudget(string name, SpendBudget budget)
    {
        private PeriodWindow? _window;

        public SpendBudget Budget => budget;

        public MatchedBudget Match(string value, DateTimeOffset now, TimeZoneInfo zone)
        {
            var window = Volatile.Read(ref _window);
            if (window is null || now < window.Start || now >= window.End || window.Period != budget.Period)
            {
                var (start, end) = SpendPeriods.Get(budget.Period, now, zone);

                // The spend below which no threshold can be crossed, with a margin for the rounding of thresholds given as doubles.
                var noAlertBelow = (decimal)budget.EffectiveThresholds.Min() * budget.LimitUsd * 0.99m;
                var global = budget.Scope == SpendBudgetScope.Global ? new MatchedBudget(name, budget, new SpendBucket(name, "*", start), end, noAlertBelow) : null;
                window = new PeriodWindow(budget.Period, start, end, noAlertBelow, global);
                Volatile.Write(ref _window, window);
            }

            // A global budget has one bucket per period, shared by every call in it.
            return window.Global ?? new MatchedBudget(name, budget, new SpendBucket(name, value, window.Start), window.End, window.NoAlertBelowUsd);
        }

        private sealed record PeriodWindow(SpendBudgetPeriod Period, DateTimeOffset Start, DateTimeOffset End, decimal NoAlertBelowUsd, MatchedBudget? Global);
    }
}
