using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>
/// Enforces the spend budgets of <c>PromptOps:Spending</c>: reserves the worst-case cost of a call in every budget that
/// counts it before the call is sent, replaces the reservation by the actual cost afterwards, and raises each budget's
/// alerts once per period.
/// </summary>
/// <remarks>
/// <para>The worst case is the call's input tokens plus its maximum output tokens (the request's, else the model's maximum
/// from the price table, else <see cref="PromptOpsSpendingOptions.DefaultMaxOutputTokens"/>), priced at the model's rates.
/// The input is first bounded by <see cref="ITokenCounter.EstimateInputTokensUpperBound"/> (exact for long texts, which the
/// counter caches, such as a system prompt; bytes for short ones), which needs no tokenizer for a repeated prompt; only when
/// a budget refuses that bound is the input counted exactly and the reservation tried again, so a call far from its limits
/// does not tokenize and a call near them is refused only when its exact worst case does not fit.</para>
/// <para>A reservation is atomic across budgets, so concurrent calls cannot overspend a <see cref="SpendLimitAction.Block"/>
/// budget. At the limit, <see cref="SpendLimitAction.Block"/> throws <see cref="SpendBudgetExceededException"/>,
/// <see cref="SpendLimitAction.Downgrade"/> sends the call to the budget's cheaper model and <see cref="SpendLimitAction.Warn"/>
/// sends it unchanged. Calls to a model without a known price count $0 (a warning is logged once per model).</para>
/// </remarks>
internal sealed partial class SpendBudgetEnforcer(
    IOptionsMonitor<PromptOpsOptions> options,
    ISpendLedger ledger,
    ModelPricing pricing,
    ITokenCounter tokenCounter,
    SpendAlertTrigger alerts,
    ILogger<SpendBudgetEnforcer> logger)
{
    private readonly ConcurrentDictionary<string, byte> _unpricedModels = new(StringComparer.OrdinalIgnoreCase);
    private SpendPlan? _plan;

    /// <summary>Reserves the call's worst-case cost in every budget that counts it, downgrading or refusing the call at a limit.</summary>
    /// <returns>The reservation to settle, or <see langword="null"/> when no budget counts the call.</returns>
    public async ValueTask<SpendReservation?> ReserveAsync(PromptCallState state, CancellationToken cancellationToken)
    {
        var spending = options.CurrentValue.Spending;
        if (spending.Budgets.Count == 0)
        {
            return null;
        }

        // The call's start: the same instant for its period and its record.
        var now = state.StartTime;
        var plan = Plan(spending);
        var matched = Match(plan, state, now);
        if (matched.Length == 0)
        {
            return null;
        }

        // First the call as asked; if a Downgrade budget refuses it, once more on that budget's cheaper model.
        for (var downgraded = false; ; downgraded = true)
        {
            var amount = WorstCase(state, spending, exact: false);
            var attempt = await TryReserveAsync(plan, matched, amount, downgraded, now, spending, cancellationToken).ConfigureAwait(false);
            if (attempt.Result is { Reserved: false } && WorstCase(state, spending, exact: true) is var exactAmount && exactAmount < amount)
            {
                amount = exactAmount;
                attempt = await TryReserveAsync(plan, matched, amount, downgraded, now, spending, cancellationToken).ConfigureAwait(false);
            }

            if (attempt.Result is not { Reserved: false } refused)
            {
                return attempt.Reservation;
            }

            var refusing = matched[refused.RejectedIndex];
            await alerts.AlertAtLimitAsync(state.RequestId, refusing, now, cancellationToken).ConfigureAwait(false);
            if (downgraded || refusing.Budget is not { Action: SpendLimitAction.Downgrade, DowngradeModel: { Length: > 0 } cheaper })
            {
                throw Reject(state, refusing, refused, amount);
            }

            if (!string.Equals(state.Model, cheaper, StringComparison.OrdinalIgnoreCase))
            {
                LogDowngraded(logger, state.RequestId, state.Model, cheaper, refusing.Name);
                state.DowngradeTo(cheaper);
            }

            matched = Match(plan, state, now);
        }
    }

    /// <summary>Replaces the reservation by the call's actual cost (zero when nothing is known to be billed) and fires the alerts crossed.</summary>
    public async ValueTask SettleAsync(string requestId, SpendReservation reservation, decimal actualUsd)
    {
        if (reservation.Hold is { } hold && ledger is InMemorySpendLedger local)
        {
            // In process the release cannot fail or wait: only an alert to fire makes the settlement asynchronous.
            if (ReleaseHold(local, hold, actualUsd, reservation.Matched) is { } crossed)
            {
                await alerts.AlertCrossedAsync(requestId, reservation.Matched, crossed).ConfigureAwait(false);
            }

            return;
        }

        // The ledger returns the totals in the order of the buckets it was given: the reservation's.
        var totals = await ledger.SettleAsync(reservation.Id!, [.. reservation.Matched.Select(m => m.Bucket)], actualUsd, CancellationToken.None).ConfigureAwait(false);
        var spent = new decimal[reservation.Matched.Length];
        for (var i = 0; i < spent.Length; i++)
        {
            spent[i] = totals[i].SpentUsd;
        }

        await alerts.AlertCrossedAsync(requestId, reservation.Matched, spent).ConfigureAwait(false);
    }

    private static MatchedBudget[] Match(SpendPlan plan, PromptCallState state, DateTimeOffset now) =>
        plan.Match(state.Feature, state.Context?.UserId, state.Context?.TenantId, state.Model, now);

    /// <summary>Reserves in the ledger; a shared ledger's failures are handled by its fail-safe front (<see cref="FailSafeSpendLedger"/>).</summary>
    private async ValueTask<Attempt> TryReserveAsync(SpendPlan plan, MatchedBudget[] matched, decimal amount, bool downgraded, DateTimeOffset now, PromptOpsSpendingOptions spending, CancellationToken cancellationToken)
    {
        var claims = plan.Claims(matched, downgraded);
        if (ledger is InMemorySpendLedger local)
        {
            // In process: the hold is the reservation, without an id, a request object or a table of reservations.
            var held = local.TryHold(claims, amount, out var hold);
            return new Attempt(held, new SpendReservation(matched, Id: null, hold));
        }

        var reservation = new SpendReservation(matched, PromptOpsContext.NewRequestId(), Hold: null);
        var result = await ledger.TryReserveAsync(new SpendReservationRequest(reservation.Id!, amount, claims, now + spending.ReservationTimeout), cancellationToken).ConfigureAwait(false);
        return new Attempt(result, reservation);
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
        LogRejected(logger, exception.Message);
        return exception;
    }

    /// <summary>Releases an in-memory hold; returns the totals spent when one of them may cross an alert threshold, else <see langword="null"/>.</summary>
    private static decimal[]? ReleaseHold(InMemorySpendLedger ledger, InMemorySpendLedger.Hold hold, decimal actual, MatchedBudget[] matched)
    {
        Span<decimal> spent = matched.Length <= 8 ? stackalloc decimal[matched.Length] : new decimal[matched.Length];
        ledger.Release(hold, actual, spent);
        for (var i = 0; i < spent.Length; i++)
        {
            if (matched[i].MayAlert(spent[i]))
            {
                return spent.ToArray();
            }
        }

        return null;
    }

    /// <summary>
    /// The most the call can cost: its input tokens (<paramref name="exact"/>: counted; else the counter's upper bound) plus
    /// its maximum output, at the model's dearest applicable rates.
    /// </summary>
    private decimal WorstCase(PromptCallState state, PromptOpsSpendingOptions spending, bool exact)
    {
        if (string.IsNullOrWhiteSpace(state.Model) || !pricing.TryFind(state.Model, state.Provider, state.Endpoint, out var match))
        {
            var model = string.IsNullOrWhiteSpace(state.Model) ? "(none)" : state.Model;
            if (_unpricedModels.TryAdd(model, 0))
            {
                LogUnpricedModel(logger, model);
            }

            return 0;
        }

        var input = exact ? state.ExactInputTokens(tokenCounter) : state.InputTokensAtMost(tokenCounter);
        var price = match.Price;
        long output = state.Options.MaxOutputTokens ?? price.MaxOutputTokens ?? spending.DefaultMaxOutputTokens;
        var usage = new TokenUsage(
            input,
            output,
            CacheWriteInputTokens: price.CacheWritePerToken > price.InputPerToken ? input : 0,
            ReasoningTokens: price.ReasoningPerToken > price.OutputPerToken ? output : 0);
        return CostCalculator.Calculate(price, usage, out _).Total;
    }

    private SpendPlan Plan(PromptOpsSpendingOptions spending)
    {
        if (Volatile.Read(ref _plan) is { } cached && ReferenceEquals(cached.Options, spending))
        {
            return cached;
        }

        var plan = new SpendPlan(spending);
        Volatile.Write(ref _plan, plan);
        return plan;
    }

    private readonly record struct Attempt(SpendReservationResult Result, SpendReservation Reservation);

    [LoggerMessage(EventId = 2401, Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void LogRejected(ILogger logger, string message);

    [LoggerMessage(EventId = 2404, Level = LogLevel.Warning, Message = "Request {RequestId} downgraded from model {FromModel} to {ToModel}: spend budget '{Budget}' is at its limit.")]
    private static partial void LogDowngraded(ILogger logger, string requestId, string? fromModel, string toModel, string budget);

    [LoggerMessage(EventId = 2407, Level = LogLevel.Warning, Message = "Model '{Model}' has no known price, so its calls count $0 towards spend budgets. Add its price under PromptOps:Pricing:Models:{Model}. This warning is logged once per model.")]
    private static partial void LogUnpricedModel(ILogger logger, string model);
}

/// <summary>
/// A reservation held in the ledger for one call, with the budgets it counts in: by id in a shared ledger, or as the
/// in-memory ledger's hold.
/// </summary>
internal sealed record SpendReservation(MatchedBudget[] Matched, string? Id, InMemorySpendLedger.Hold? Hold);
