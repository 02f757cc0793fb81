using System.Collections.Concurrent;

namespace PromptOps;

/// <summary>
/// Fires each spend budget alert once per budget, scope value, period and threshold: the ledger records which fired (for
/// every process that shares it), and this process remembers what it already asked about.
/// </summary>
internal sealed class SpendAlertTrigger(ISpendLedger ledger, BudgetAlertPublisher alerts, TimeProvider timeProvider)
{
    private const int MaxRememberedAlerts = 100_000;

    private readonly ConcurrentDictionary<(SpendBucket Bucket, double Threshold), byte> _fired = new();

    /// <summary>Fires the alerts whose thresholds the budgets' totals (<paramref name="spent"/>, in the order of <paramref name="matched"/>) have reached.</summary>
    public async ValueTask AlertCrossedAsync(string requestId, MatchedBudget[] matched, ReadOnlyMemory<decimal> spent)
    {
        DateTimeOffset? now = null; // read once, and only when a threshold is reached
        for (var i = 0; i < spent.Length; i++)
        {
            var budget = matched[i];
            var total = spent.Span[i];
            if (!budget.MayAlert(total))
            {
                continue;
            }

            var share = (double)(total / budget.Budget.LimitUsd);
            var thresholds = budget.Budget.EffectiveThresholds;
            for (var t = 0; t < thresholds.Count; t++)
            {
                if (thresholds[t] <= share)
                {
                    await FireOnceAsync(requestId, budget, thresholds[t], total, limitReached: false, now ??= timeProvider.GetUtcNow()).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>A call was refused or downgraded: the budget's limit is reached, so its 1.0 alert fires (once).</summary>
    public async ValueTask AlertAtLimitAsync(string requestId, MatchedBudget refusing, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!refusing.Budget.EffectiveThresholds.Contains(1.0))
        {
            return;
        }

        var total = await ledger.GetAsync(refusing.Bucket, cancellationToken).ConfigureAwait(false);
        await FireOnceAsync(requestId, refusing, 1.0, total.SpentUsd, limitReached: true, now).ConfigureAwait(false);
    }

    private async ValueTask FireOnceAsync(string requestId, MatchedBudget budget, double threshold, decimal spent, bool limitReached, DateTimeOffset now)
    {
        var key = (budget.Bucket, threshold);
        if (_fired.ContainsKey(key))
        {
            return;
        }

        var first = await ledger.TryRecordAlertAsync(budget.Bucket, threshold, CancellationToken.None).ConfigureAwait(false);
        if (_fired.Count > MaxRememberedAlerts)
        {
            _fired.Clear();
        }

        _fired.TryAdd(key, 0);
        if (!first)
        {
            return;
        }

        alerts.Publish(new SpendBudgetAlert
        {
            Budget = budget.Name,
            Scope = budget.Budget.Scope,
            ScopeValue = budget.Bucket.ScopeValue,
            Period = budget.Budget.Period,
            PeriodStart = budget.Bucket.PeriodStart,
            PeriodEnd = budget.PeriodEnd,
            Threshold = threshold,
            LimitUsd = budget.Budget.LimitUsd,
            SpentUsd = spent,
            Action = budget.Budget.Action,
            LimitReached = limitReached,
            RequestId = requestId,
            Timestamp = now,
        });
    }
}
