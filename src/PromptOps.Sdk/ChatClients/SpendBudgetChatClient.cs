using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace PromptOps;

/// <summary>
/// Enforces the spend budgets of <c>PromptOps:Spending</c>: reserves the worst-case cost of each call in every budget that
/// counts it before the call is sent, replaces the reservation by the actual cost afterwards, and raises each budget's
/// alerts once per period.
/// </summary>
/// <remarks>
/// <para>The worst case is the estimated input tokens plus the call's maximum output tokens (the request's, else the model's
/// maximum from the price table, else <see cref="PromptOpsSpendingOptions.DefaultMaxOutputTokens"/>), priced at the model's
/// rates. A reservation is atomic across budgets, so concurrent calls cannot overspend a <see cref="SpendLimitAction.Block"/>
/// budget. At the limit, <see cref="SpendLimitAction.Block"/> throws <see cref="SpendBudgetExceededException"/>,
/// <see cref="SpendLimitAction.Downgrade"/> sends the call to the budget's cheaper model (recorded in
/// <see cref="PromptCallRecord.DowngradedFrom"/>) and <see cref="SpendLimitAction.Warn"/> sends it unchanged.</para>
/// <para>Calls to a model without a known price count $0 (a warning is logged once per model). Without budgets the client
/// passes calls through untouched. Add it with <c>UseSpendBudget()</c>, or with <c>UsePromptOps()</c> which places it
/// between the token budget and cost tracking. Thread-safe.</para>
/// </remarks>
public sealed partial class SpendBudgetChatClient : DelegatingChatClient
{
    private const int MaxRememberedAlerts = 100_000;

    private readonly PromptOpsCallServices _services;
    private readonly ILogger _logger;
    private readonly PromptOpsLayer _layer;
    private readonly ConcurrentDictionary<(SpendBucket Bucket, double Threshold), byte> _firedAlerts = new();
    private readonly ConcurrentDictionary<string, byte> _unpricedModels = new(StringComparer.OrdinalIgnoreCase);
    private SpendPlan? _plan;

    internal SpendBudgetChatClient(IChatClient innerClient, PromptOpsCallServices services)
        : base(innerClient)
    {
        _services = services;
        _layer = new PromptOpsLayer(innerClient, services);
        _logger = services.LoggerFactory.CreateLogger<SpendBudgetChatClient>();
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var state = _layer.Enter(this, messages, ref options, streaming: false, out var list, out var owner);
        var reservation = await ReserveAsync(state, cancellationToken).ConfigureAwait(false);
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Nothing came back, so nothing is known to be billed: release the reservation.
            await SettleAsync(state, reservation, priced: false).ConfigureAwait(false);
            throw;
        }

        state.Observe(response, this, owner);
        await SettleAsync(state, reservation, priced: true).ConfigureAwait(false);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var state = _layer.Enter(this, messages, ref options, streaming: true, out var list, out var owner);
        var reservation = await ReserveAsync(state, cancellationToken).ConfigureAwait(false);
        var sawUpdate = false;
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false))
            {
                sawUpdate = true;
                state.Observe(update, this, owner);
                yield return update;
            }
        }
        finally
        {
            // A stream that failed or was abandoned halfway is billed for what it generated.
            await SettleAsync(state, reservation, priced: sawUpdate).ConfigureAwait(false);
        }
    }

    /// <summary>Reserves the call's worst-case cost in every budget that counts it, downgrading or refusing the call at a limit.</summary>
    internal async ValueTask<Reservation?> ReserveAsync(PromptCallState state, CancellationToken cancellationToken)
    {
        var spending = _services.Options.CurrentValue.Spending;
        if (spending.Budgets.Count == 0)
        {
            return null;
        }

        // The call's start: the same instant for its period and its record, and one clock read fewer.
        var now = state.StartTime;
        var plan = Plan(spending);
        var matched = Match(state, plan, now);
        if (matched.Length == 0)
        {
            return null;
        }

        // First the call as asked; if a Downgrade budget refuses it, once more on that budget's cheaper model.
        for (var downgraded = false; ; downgraded = true)
        {
            var amount = WorstCase(state, spending);
            var attempt = await TryReserveAsync(matched, plan, amount, downgraded, now, spending, cancellationToken).ConfigureAwait(false);
            if (attempt.Result is not { Reserved: false } refused)
            {
                return attempt.Reservation;
            }

            var refusing = matched[refused.RejectedIndex];
            await AlertAtLimitAsync(state, refusing, now, cancellationToken).ConfigureAwait(false);
            if (downgraded || refusing.Budget is not { Action: SpendLimitAction.Downgrade, DowngradeModel: { Length: > 0 } cheaper })
            {
                throw Reject(state, refusing, refused, amount);
            }

            if (!string.Equals(state.Model, cheaper, StringComparison.OrdinalIgnoreCase))
            {
                LogDowngraded(_logger, state.RequestId, state.Model, cheaper, refusing.Name);
                state.DowngradeTo(cheaper);
            }

            matched = Match(state, plan, now);
        }
    }

    private SpendBudgetExceededException Reject(PromptCallState state, MatchedBudget refusing, SpendReservationResult refused, decimal amount)
    {
        PromptOpsTelemetry.BudgetRejections.Add(
            1,
            new KeyValuePair<string, object?>(PromptOpsTelemetry.FeatureAttribute, state.Feature),
            new KeyValuePair<string, object?>(PromptOpsTelemetry.BudgetNameAttribute, refusing.Name));
        var exception = new SpendBudgetExceededException(
            refusing.Name, refusing.Budget.Scope, refusing.Bucket.ScopeValue, refusing.Budget.Period, refusing.PeriodEnd,
            refusing.Budget.LimitUsd, refused.SpentUsd, refused.ReservedUsd, amount, state.Model);
        LogRejected(_logger, exception.Message);
        return exception;
    }

    /// <summary>
    /// Reserves in the ledger. A shared ledger's failures are handled by its fail-safe front
    /// (<see cref="FailSafeSpendLedger"/>), which enforces <see cref="PromptOpsSpendingOptions.OnLedgerFailure"/>. The plan
    /// keeps the claims of the global budgets' shared array; others are built per call.
    /// </summary>
    private async ValueTask<Attempt> TryReserveAsync(MatchedBudget[] matched, SpendPlan plan, decimal amount, bool downgraded, DateTimeOffset now, PromptOpsSpendingOptions spending, CancellationToken cancellationToken)
    {
        var claims = !downgraded && plan.GlobalClaims(matched) is { } kept ? kept : Claims(matched, downgraded);

        if (_services.SpendLedger is InMemorySpendLedger local)
        {
            // In process: the hold is the reservation, without an id, a request object or a table of reservations.
            var held = local.TryHold(claims, amount, out var hold);
            return new Attempt(held, new Reservation(matched, Id: null, hold));
        }

        var reservation = new Reservation(matched, PromptOpsContext.NewRequestId(), Hold: null);
        var result = await _services.SpendLedger.TryReserveAsync(new SpendReservationRequest(reservation.Id!, amount, claims, now + spending.ReservationTimeout), cancellationToken).ConfigureAwait(false);
        return new Attempt(result, reservation);
    }

    /// <summary>Replaces the reservation by the call's actual cost (none when <paramref name="priced"/> is false) and fires the alerts crossed.</summary>
    internal async ValueTask SettleAsync(PromptCallState state, Reservation? reservation, bool priced)
    {
        if (reservation is null)
        {
            return;
        }

        decimal actual = 0;
        if (priced)
        {
            CostTrackingChatClient.Price(state, _services);
            actual = state.Cost ?? 0;
        }

        if (reservation.Hold is { } hold && _services.SpendLedger is InMemorySpendLedger local)
        {
            // In process the release cannot fail or wait: only an alert to fire makes the settlement asynchronous.
            if (ReleaseHold(local, hold, actual, reservation.Matched) is { } crossed)
            {
                await AlertCrossedAsync(state, reservation.Matched, crossed).ConfigureAwait(false);
            }

            return;
        }

        // The ledger returns the totals in the order of the buckets it was given: the reservation's.
        var totals = await _services.SpendLedger.SettleAsync(reservation.Id!, [.. reservation.Matched.Select(m => m.Bucket)], actual, CancellationToken.None).ConfigureAwait(false);
        var spent = new decimal[reservation.Matched.Length];
        for (var i = 0; i < spent.Length; i++)
        {
            spent[i] = totals[i].SpentUsd;
        }

        await AlertCrossedAsync(state, reservation.Matched, spent).ConfigureAwait(false);
    }

    /// <summary>Releases an in-memory hold; returns the totals spent when one of them may cross an alert threshold, else <see langword="null"/>.</summary>
    private static decimal[]? ReleaseHold(InMemorySpendLedger ledger, InMemorySpendLedger.Hold hold, decimal actual, MatchedBudget[] matched)
    {
        Span<decimal> spent = matched.Length <= 8 ? stackalloc decimal[matched.Length] : new decimal[matched.Length];
        ledger.Release(hold, actual, spent);
        for (var i = 0; i < spent.Length; i++)
        {
            if (MayAlert(matched[i], spent[i]))
            {
                return spent.ToArray();
            }
        }

        return null;
    }

    private static bool MayAlert(MatchedBudget matched, decimal spent) => matched.Budget.LimitUsd > 0 && spent >= matched.NoAlertBelowUsd;

    /// <summary>Fires the alerts whose thresholds the budgets' totals (<paramref name="spent"/>, in the order of <paramref name="matched"/>) have reached.</summary>
    private async ValueTask AlertCrossedAsync(PromptCallState state, MatchedBudget[] matched, decimal[] spent)
    {
        DateTimeOffset? now = null; // read once, and only when a threshold is reached
        for (var i = 0; i < spent.Length; i++)
        {
            var budget = matched[i];
            if (!MayAlert(budget, spent[i]))
            {
                continue;
            }

            var share = (double)(spent[i] / budget.Budget.LimitUsd);
            var thresholds = budget.Budget.EffectiveThresholds;
            for (var t = 0; t < thresholds.Count; t++)
            {
                if (thresholds[t] <= share)
                {
                    await FireOnceAsync(state, budget, thresholds[t], spent[i], limitReached: false, now ??= _services.TimeProvider.GetUtcNow()).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>A call was refused or downgraded: the budget's limit is reached, so its 1.0 alert fires (once).</summary>
    private async ValueTask AlertAtLimitAsync(PromptCallState state, MatchedBudget refusing, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!refusing.Budget.EffectiveThresholds.Contains(1.0))
        {
            return;
        }

        var total = await _services.SpendLedger.GetAsync(refusing.Bucket, cancellationToken).ConfigureAwait(false);
        await FireOnceAsync(state, refusing, 1.0, total.SpentUsd, limitReached: true, now).ConfigureAwait(false);
    }

    private async ValueTask FireOnceAsync(PromptCallState state, MatchedBudget budget, double threshold, decimal spent, bool limitReached, DateTimeOffset now)
    {
        var key = (budget.Bucket, threshold);
        if (_firedAlerts.ContainsKey(key))
        {
            return;
        }

        var first = await _services.SpendLedger.TryRecordAlertAsync(budget.Bucket, threshold, CancellationToken.None).ConfigureAwait(false);

        if (_firedAlerts.Count > MaxRememberedAlerts)
        {
            _firedAlerts.Clear();
        }

        _firedAlerts.TryAdd(key, 0);
        if (!first)
        {
            return;
        }

        _services.Alerts.Publish(new SpendBudgetAlert
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
            RequestId = state.RequestId,
            Timestamp = now,
        });
    }

    private static MatchedBudget[] Match(PromptCallState state, SpendPlan plan, DateTimeOffset now)
    {
        if (plan.AllGlobal)
        {
            return plan.MatchGlobal(now);
        }

        var matched = new MatchedBudget[plan.Budgets.Length];
        var count = 0;
        foreach (var planned in plan.Budgets)
        {
            var budget = planned.Budget;
            var value = budget.Scope switch
            {
                SpendBudgetScope.Feature => state.Feature,
                SpendBudgetScope.User => state.Context?.UserId,
                SpendBudgetScope.Tenant => state.Context?.TenantId,
                SpendBudgetScope.Model => state.Model,
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

            matched[count++] = planned.Match(value, now, plan.Zone);
        }

        return count == matched.Length ? matched : matched[..count];
    }

    /// <summary>The ledger claims of the matched budgets: the limit of each budget that refuses calls (a Downgrade budget only before the downgrade).</summary>
    private static SpendClaim[] Claims(MatchedBudget[] matched, bool downgraded)
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

    /// <summary>
    /// The most the call can cost: its exact input token count (the token counter caches the repeated parts, such as a
    /// long system prompt) plus its maximum output, at the model's dearest applicable rates. A looser input bound would hold
    /// budget that calls in flight never spend and refuse affordable calls in a burst.
    /// </summary>
    private decimal WorstCase(PromptCallState state, PromptOpsSpendingOptions spending)
    {
        var input = state.ExactInputTokens(_services.TokenCounter);
        if (string.IsNullOrWhiteSpace(state.Model) || !_services.Pricing.Table.TryFind(state.Model, state.Provider, out var match))
        {
            var model = string.IsNullOrWhiteSpace(state.Model) ? "(none)" : state.Model;
            if (_unpricedModels.TryAdd(model, 0))
            {
                LogUnpricedModel(_logger, model);
            }

            return 0;
        }

        var price = match.Price;
        long output = state.Options.MaxOutputTokens ?? price.MaxOutputTokens ?? spending.DefaultMaxOutputTokens;
        var usage = new TokenUsage(
            input,
            output,
            CacheWriteInputTokens: price.CacheWritePerToken > price.InputPerToken ? input : 0,
            ReasoningTokens: price.ReasoningPerToken > price.OutputPerToken ? output : 0);
        return CostCalculator.Total(price, usage, out _);
    }

    /// <summary>The budgets and time zone of one options instance, worked out once (validation guarantees the zone exists).</summary>
    private SpendPlan Plan(PromptOpsSpendingOptions spending)
    {
        if (Volatile.Read(ref _plan) is { } cached && ReferenceEquals(cached.Options, spending))
        {
            return cached;
        }

        var zone = SpendPeriods.TryFindZone(spending.TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        var plan = new SpendPlan(spending, zone, [.. spending.Budgets.Select(b => new PlannedBudget(b.Key, b.Value))]);
        Volatile.Write(ref _plan, plan);
        return plan;
    }

    /// <summary>One budget counting one call: its bucket for the period, when the period ends, and below what spend no alert can fire.</summary>
    internal sealed record MatchedBudget(string Name, SpendBudget Budget, SpendBucket Bucket, DateTimeOffset PeriodEnd, decimal NoAlertBelowUsd);

    /// <summary>
    /// A reservation held in the ledger for one call, with the budgets it counts in: by id in a ledger of its own, or as
    /// the in-memory ledger's hold.
    /// </summary>
    internal sealed record Reservation(MatchedBudget[] Matched, string? Id, InMemorySpendLedger.Hold? Hold);

    private sealed class SpendPlan(PromptOpsSpendingOptions options, TimeZoneInfo zone, PlannedBudget[] budgets)
    {
        private GlobalMatch? _global;

        public PromptOpsSpendingOptions Options => options;

        public TimeZoneInfo Zone => zone;

        public PlannedBudget[] Budgets => budgets;

        /// <summary>Gets a value indicating whether every budget is global, so that every call matches all of them.</summary>
        public bool AllGlobal { get; } = Array.TrueForAll(budgets, b => b.Budget.Scope == SpendBudgetScope.Global);

        /// <summary>The global budgets' buckets for <paramref name="now"/>: the same array (and claims) for every call until a period ends.</summary>
        public MatchedBudget[] MatchGlobal(DateTimeOffset now)
        {
            if (Volatile.Read(ref _global) is { } cached && IsCurrent(cached.Matched, now))
            {
                return cached.Matched;
            }

            return MatchGlobalAnew(now);
        }

        /// <summary>Matches the global budgets for a new period; apart from <see cref="MatchGlobal"/> so that its closure is allocated only here.</summary>
        private MatchedBudget[] MatchGlobalAnew(DateTimeOffset now)
        {
            var matched = Array.ConvertAll(budgets, b => b.Match("*", now, zone));
            Volatile.Write(ref _global, new GlobalMatch(matched, Claims(matched, downgraded: false)));
            return matched;
        }

        /// <summary>The claims of <paramref name="matched"/> when it is the shared array of <see cref="MatchGlobal"/>, else <see langword="null"/>.</summary>
        public SpendClaim[]? GlobalClaims(MatchedBudget[] matched) =>
            Volatile.Read(ref _global) is { } cached && ReferenceEquals(cached.Matched, matched) ? cached.Claims : null;

        private bool IsCurrent(MatchedBudget[] matched, DateTimeOffset now)
        {
            for (var i = 0; i < budgets.Length; i++)
            {
                // A global budget returns the same match until its period ends.
                if (!ReferenceEquals(budgets[i].Match("*", now, zone), matched[i]))
                {
                    return false;
                }
            }

            return true;
        }

        private sealed record GlobalMatch(MatchedBudget[] Matched, SpendClaim[] Claims);
    }

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

    private readonly record struct Attempt(SpendReservationResult Result, Reservation Reservation);

    [LoggerMessage(EventId = 2401, Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void LogRejected(ILogger logger, string message);

    [LoggerMessage(EventId = 2404, Level = LogLevel.Warning, Message = "Request {RequestId} downgraded from model {FromModel} to {ToModel}: spend budget '{Budget}' is at its limit.")]
    private static partial void LogDowngraded(ILogger logger, string requestId, string? fromModel, string toModel, string budget);


    [LoggerMessage(EventId = 2407, Level = LogLevel.Warning, Message = "Model '{Model}' has no known price, so its calls count $0 towards spend budgets. Add its price under PromptOps:Pricing:Models:{Model}. This warning is logged once per model.")]
    private static partial void LogUnpricedModel(ILogger logger, string model);
}
