using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Spending;

// Several tests here time calls against ledgers that block their threads, as SQLite does on a busy file: run on their own,
// so the thread pool is not also serving the rest of the assembly while they measure.
[Collection(nameof(SpendBudgetTests))]
[CollectionDefinition(nameof(SpendBudgetTests), DisableParallelization = true)]
public class SpendBudgetTests
{
    /// <summary>A model whose output costs exactly $1 per token and whose input is free: a call with 10 output tokens costs $10.</summary>
    private const string Model = SpendPrices.Model;

    private const string CheapModel = SpendPrices.CheapModel;

    [Fact]
    public async Task GetResponseAsync_ThousandConcurrentCallsAgainstABudgetForHundred_AtMostHundredSucceedAndSpendNeverExceedsTheLimit()
    {
        await using var pipeline = Create(budgets: b => b["daily"] = new SpendBudget { LimitUsd = 1000m });
        pipeline.Inner.Latency = TimeSpan.FromMilliseconds(2);
        var ledger = pipeline.Services.GetRequiredService<ISpendLedger>();
        var peak = 0m;
        var succeeded = 0;
        var refused = 0;

        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (_, ct) =>
        {
            try
            {
                await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options(), ct);
                Interlocked.Increment(ref succeeded);
            }
            catch (SpendBudgetExceededException)
            {
                Interlocked.Increment(ref refused);
            }

            var total = await ledger.GetAsync(Bucket(pipeline, "daily"), ct);
            lock (ledger)
            {
                peak = Math.Max(peak, total.SpentUsd + total.ReservedUsd);
            }
        });

        var final = await ledger.GetAsync(Bucket(pipeline, "daily"));
        Assert.Equal(100, succeeded);
        Assert.Equal(900, refused);
        Assert.Equal(100, pipeline.Inner.CallCount);
        Assert.Equal(1000m, final.SpentUsd);
        Assert.Equal(0m, final.ReservedUsd);
        Assert.True(peak <= 1000m, $"spent plus reserved reached ${peak}, over the $1000 limit");
    }

    [Fact]
    public async Task GetResponseAsync_CallCheaperThanItsWorstCase_SettlesTheActualCostAndReleasesTheRest()
    {
        await using var pipeline = Create(budgets: b => b["daily"] = new SpendBudget { LimitUsd = 100m }, outputTokens: 3);

        await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());

        var total = await pipeline.Services.GetRequiredService<ISpendLedger>().GetAsync(Bucket(pipeline, "daily"));
        Assert.Equal(3m, total.SpentUsd);
        Assert.Equal(0m, total.ReservedUsd);
    }

    [Fact]
    public async Task GetResponseAsync_CallThatThrows_ReleasesItsReservationAndSpendsNothing()
    {
        await using var pipeline = Create(budgets: b => b["daily"] = new SpendBudget { LimitUsd = 100m });
        pipeline.Inner.RespondWith = (_, _) => throw new HttpRequestException("provider down");

        await Assert.ThrowsAsync<HttpRequestException>(() => pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options()));

        var total = await pipeline.Services.GetRequiredService<ISpendLedger>().GetAsync(Bucket(pipeline, "daily"));
        Assert.Equal(0m, total.SpentUsd);
        Assert.Equal(0m, total.ReservedUsd);
    }

    [Fact]
    public async Task GetResponseAsync_BlockedCall_ThrowsBeforeSendingNamesTheBudgetAndIsRecorded()
    {
        await using var pipeline = Create(budgets: b => b["support-daily"] = new SpendBudget { Scope = SpendBudgetScope.Feature, Match = "support", LimitUsd = 15m });
        using var context = PromptOpsContext.Begin(feature: "support");
        await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());

        var error = await Assert.ThrowsAsync<SpendBudgetExceededException>(() => pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options()));

        Assert.Equal(1, pipeline.Inner.CallCount);
        Assert.Equal("support-daily", error.Budget);
        Assert.Equal(SpendBudgetScope.Feature, error.Scope);
        Assert.Equal("support", error.ScopeValue);
        Assert.Equal(10m, error.SpentUsd);
        Assert.Equal(10m, error.RequestedUsd);
        Assert.Equal(15m, error.LimitUsd);
        Assert.Contains("PromptOps:Spending:Budgets:support-daily:LimitUsd", error.Message, StringComparison.Ordinal);
        var records = await pipeline.RecordsAsync();
        Assert.Contains(records, r => !r.Success && r.ErrorType == typeof(SpendBudgetExceededException).FullName);
    }

    [Fact]
    public async Task GetResponseAsync_BudgetOfAnotherFeature_DoesNotCountTheCall()
    {
        await using var pipeline = Create(budgets: b => b["support"] = new SpendBudget { Scope = SpendBudgetScope.Feature, Match = "support", LimitUsd = 5m });
        using var context = PromptOpsContext.Begin(feature: "search");

        await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());

        Assert.Equal(1, pipeline.Inner.CallCount);
    }

    [Fact]
    public async Task GetResponseAsync_PerUserBudgetWithoutMatch_GivesEachUserTheirOwnLimit()
    {
        await using var pipeline = Create(budgets: b => b["per-user"] = new SpendBudget { Scope = SpendBudgetScope.User, LimitUsd = 10m });
        using (PromptOpsContext.Begin(userId: "alice"))
        {
            await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
            var error = await Assert.ThrowsAsync<SpendBudgetExceededException>(() => pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options()));
            Assert.Equal("alice", error.ScopeValue);
        }

        using (PromptOpsContext.Begin(userId: "bob"))
        {
            await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
        }

        // A call without a user is not counted by a user budget.
        await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
        Assert.Equal(3, pipeline.Inner.CallCount);
    }

    [Fact]
    public async Task GetResponseAsync_DowngradeBudgetAtItsLimit_SendsTheCallToTheCheaperModelAndRecordsIt()
    {
        await using var pipeline = Create(budgets: b => b["daily"] = new SpendBudget { LimitUsd = 15m, Action = SpendLimitAction.Downgrade, DowngradeModel = CheapModel });

        await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
        Assert.Equal(Model, pipeline.Inner.Requests[^1].Options!.ModelId);
        await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
        Assert.Equal(CheapModel, pipeline.Inner.Requests[^1].Options!.ModelId);
        await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());

        var records = await pipeline.RecordsAsync();
        Assert.Equal(3, records.Count);
        Assert.Null(records[0].DowngradedFrom);
        Assert.All(records.Skip(1), r =>
        {
            Assert.Equal(CheapModel, r.Model);
            Assert.Equal(Model, r.DowngradedFrom);
            Assert.Equal(0.1m, r.Cost);
        });
        var total = await pipeline.Services.GetRequiredService<ISpendLedger>().GetAsync(Bucket(pipeline, "daily"));
        Assert.Equal(10.2m, total.SpentUsd);
    }

    [Fact]
    public async Task GetResponseAsync_WarnBudgetOverItsLimit_SendsTheCallAndAlertsAtTheLimitOnce()
    {
        var alerts = new CollectingAlertHandler();
        await using var pipeline = Create(budgets: b => b["daily"] = new SpendBudget { LimitUsd = 15m, Action = SpendLimitAction.Warn, AlertThresholds = [1.0] }, alerts: alerts);

        for (var i = 0; i < 4; i++)
        {
            await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
        }

        await pipeline.Services.GetRequiredService<BudgetAlertPublisher>().FlushAsync();
        Assert.Equal(4, pipeline.Inner.CallCount);
        var alert = Assert.Single(alerts.Alerts);
        Assert.Equal(1.0, alert.Threshold);
        Assert.Equal(20m, alert.SpentUsd);
    }

    [Fact]
    public async Task GetResponseAsync_ThresholdsAcrossMidnight_EachFiresExactlyOncePerPeriodInTheConfiguredTimeZone()
    {
        // 23:00 in New York on 23 November is 04:00 UTC on 24 November: the day is New York's, not UTC's.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 4, 0, 0, TimeSpan.Zero));
        var alerts = new CollectingAlertHandler();
        await using var pipeline = Create(budgets: b => b["daily"] = new SpendBudget { LimitUsd = 100m }, alerts: alerts, time: time, timeZone: "America/New_York");
        var publisher = pipeline.Services.GetRequiredService<BudgetAlertPublisher>();

        async Task<int> SpendUntilRefusedAsync()
        {
            var calls = 0;
            while (true)
            {
                try
                {
                    await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
                    calls++;
                }
                catch (SpendBudgetExceededException)
                {
                    return calls;
                }
            }
        }

        Assert.Equal(10, await SpendUntilRefusedAsync());
        await Assert.ThrowsAsync<SpendBudgetExceededException>(() => pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options()));
        await publisher.FlushAsync();
        Assert.Equal([0.5, 0.9, 1.0], alerts.Alerts.Select(a => a.Threshold).Order());
        Assert.All(alerts.Alerts, a => Assert.Equal(new DateTimeOffset(2026, 11, 23, 5, 0, 0, TimeSpan.Zero), a.PeriodStart));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 5, 0, 0, TimeSpan.Zero), alerts.Alerts[0].PeriodEnd);
        Assert.Equal([0.5, 0.9, 1.0], alerts.Alerts.Select(a => a.Threshold));
        Assert.Equal(50m, alerts.Alerts[0].SpentUsd);

        // Still 23:59 in New York: same period, still refused, no new alert.
        time.Advance(TimeSpan.FromMinutes(59));
        await Assert.ThrowsAsync<SpendBudgetExceededException>(() => pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options()));

        // Past midnight in New York: a new period, a full budget, and each threshold fires once more.
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(10, await SpendUntilRefusedAsync());
        await publisher.FlushAsync();
        Assert.Equal(6, alerts.Alerts.Count);
        Assert.All(alerts.Alerts.Skip(3), a => Assert.Equal(new DateTimeOffset(2026, 11, 24, 5, 0, 0, TimeSpan.Zero), a.PeriodStart));
        Assert.True(alerts.Alerts[5].LimitReached || alerts.Alerts[5].SpentUsd == 100m);
    }

    [Fact]
    public async Task GetResponseAsync_DailyAndMonthlyGlobalBudgetsAcrossMidnight_DayStartsAfreshWhileTheMonthKeepsCounting()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 23, 0, 0, TimeSpan.Zero));
        await using var pipeline = Create(
            budgets: b =>
            {
                b["daily"] = new SpendBudget { LimitUsd = 100m };
                b["monthly"] = new SpendBudget { LimitUsd = 1_000m, Period = SpendBudgetPeriod.Month };
            },
            time: time);
        var ledger = pipeline.Services.GetRequiredService<ISpendLedger>();
        var month = new SpendBucket("monthly", "*", new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));

        for (var i = 0; i < 3; i++)
        {
            await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
        }

        Assert.Equal(30m, (await ledger.GetAsync(Bucket(pipeline, "daily"))).SpentUsd);
        time.Advance(TimeSpan.FromHours(2));
        for (var i = 0; i < 2; i++)
        {
            await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
        }

        Assert.Equal(20m, (await ledger.GetAsync(Bucket(pipeline, "daily"))).SpentUsd);
        var monthTotal = await ledger.GetAsync(month);
        Assert.Equal(50m, monthTotal.SpentUsd);
        Assert.Equal(0m, monthTotal.ReservedUsd);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StreamedCall_SettlesItsCostWhenTheStreamEnds()
    {
        await using var pipeline = Create(budgets: b => b["daily"] = new SpendBudget { LimitUsd = 100m });

        await foreach (var update in pipeline.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options()))
        {
            _ = update;
        }

        var total = await pipeline.Services.GetRequiredService<ISpendLedger>().GetAsync(Bucket(pipeline, "daily"));
        Assert.Equal(10m, total.SpentUsd);
        Assert.Equal(0m, total.ReservedUsd);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_AbandonedStream_ReleasesItsReservation()
    {
        await using var pipeline = Create(budgets: b => b["daily"] = new SpendBudget { LimitUsd = 100m });

        await foreach (var update in pipeline.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options()))
        {
            _ = update;
            break;
        }

        var total = await pipeline.Services.GetRequiredService<ISpendLedger>().GetAsync(Bucket(pipeline, "daily"));
        Assert.Equal(0m, total.ReservedUsd);
        Assert.True(total.SpentUsd < 10m, $"an abandoned stream was billed the whole worst case: ${total.SpentUsd}");
    }

    [Theory]
    [InlineData(SpendLedgerFailureMode.EnforceLocally, 10)]
    [InlineData(SpendLedgerFailureMode.Allow, 12)]
    [InlineData(SpendLedgerFailureMode.Block, 0)]
    public async Task GetResponseAsync_LedgerUnavailable_FollowsOnLedgerFailureAndReconcilesWhatWasSpent(SpendLedgerFailureMode mode, int expectedCalls)
    {
        // $100 a day, $10 a call: enforced locally, exactly ten calls fit.
        var ledger = new FailingLedger();
        await using var pipeline = Create(budgets: b => b["daily"] = new SpendBudget { LimitUsd = 100m }, onLedgerFailure: mode, ledger: ledger);
        var failSafe = Assert.IsType<FailSafeSpendLedger>(pipeline.Services.GetRequiredService<PromptOpsCallServices>().SpendLedger);

        for (var i = 0; i < 12; i++)
        {
            try
            {
                await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
            }
            catch (SpendBudgetExceededException error) when (mode != SpendLedgerFailureMode.Allow)
            {
                Assert.Contains(mode == SpendLedgerFailureMode.Block ? "PromptOps:Spending:OnLedgerFailure" : "daily", error.Message, StringComparison.Ordinal);
            }
        }

        Assert.Equal(expectedCalls, pipeline.Inner.CallCount);
        Assert.True(failSafe.IsDegraded);
        Assert.Equal(expectedCalls, failSafe.PendingSettlements);
        Assert.Single(pipeline.Logs.GetSnapshot(), l => l.Id.Id == 2420);

        ledger.Failing = false;
        Assert.True(await failSafe.ReconcileAsync());

        Assert.False(failSafe.IsDegraded);
        Assert.Equal(0, failSafe.PendingSettlements);
        Assert.Equal(10m * expectedCalls, (await ledger.GetAsync(Bucket(pipeline, "daily"))).SpentUsd);
        Assert.Single(pipeline.Logs.GetSnapshot(), l => l.Id.Id == 2421);
    }

    [Fact]
    public async Task GetResponseAsync_SettlementThatArrivesAfterTheTimeout_IsCountedOnceNotTwice()
    {
        var ledger = new FailingLedger { Failing = false, SettleDelay = TimeSpan.FromMilliseconds(800) };
        await using var pipeline = Create(budgets: b => b["daily"] = new SpendBudget { LimitUsd = 100m }, ledger: ledger);
        var failSafe = Assert.IsType<FailSafeSpendLedger>(pipeline.Services.GetRequiredService<PromptOpsCallServices>().SpendLedger);

        await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options()); // its settlement times out, then lands

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await ledger.GetAsync(Bucket(pipeline, "daily"))).SpentUsd == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        ledger.SettleDelay = TimeSpan.Zero;
        Assert.True(await failSafe.ReconcileAsync());
        Assert.Equal(10m, (await ledger.GetAsync(Bucket(pipeline, "daily"))).SpentUsd);
        Assert.Equal(0, failSafe.PendingSettlements);
    }

    [Fact]
    public async Task GetResponseAsync_LedgerSlowerThanTheTimeout_CallsWaitOnlyTheTimeoutAndBudgetsStillHold()
    {
        var ledger = new FailingLedger { Failing = false, Delay = TimeSpan.FromSeconds(2) };
        await using var pipeline = Create(budgets: b => b["daily"] = new SpendBudget { LimitUsd = 30m }, ledger: ledger);
        var succeeded = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();

        for (var i = 0; i < 5; i++)
        {
            try
            {
                await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
                succeeded++;
            }
            catch (SpendBudgetExceededException)
            {
            }
        }

        // Five calls against a ledger that takes 2 s each: only the first waits (the 250 ms timeout), the rest are enforced locally.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the calls took {watch.Elapsed} against a ledger that answers in 2 s (10 s if each waited)");
        Assert.Equal(3, succeeded);
    }

    [Fact]
    public async Task GetResponseAsync_NoBudgets_PassesTheCallThroughWithoutTouchingTheLedger()
    {
        var ledger = new FailingLedger();
        await using var pipeline = Create(budgets: _ => { }, ledger: ledger);

        await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());

        Assert.Equal(1, pipeline.Inner.CallCount);
        Assert.Equal(0, ledger.Calls);
    }

    [Fact]
    public async Task GetResponseAsync_WorstCaseOnTheInputBoundOverTheLimitButExactUnder_ReservesAndSends()
    {
        // Input at $1 per token, output free: the worst case is the input count in dollars.
        const string inputPriced = "spend-test-input-priced";
        ChatMessage[] messages = [new(ChatRole.User, "Où est ma commande 10023 ? Elle devait arriver hier, merci de vérifier.")];
        var options = new ChatOptions { ModelId = inputPriced, MaxOutputTokens = 10 };
        var exact = TiktokenTokenCounter.Shared.EstimateInputTokens(messages, options, inputPriced);
        var bound = TiktokenTokenCounter.Shared.EstimateInputTokensUpperBound(messages, options, inputPriced);
        Assert.True(bound > exact + 10, $"bound {bound} should be well over the exact {exact} for this test to mean anything");
        var inner = Fakes.Replying(usage: new UsageDetails { InputTokenCount = 5, OutputTokenCount = 1, TotalTokenCount = 6 });
        await using var pipeline = Pipeline.Create(inner, configure: o =>
        {
            o.Pricing.Models[inputPriced] = new ModelPriceOverride { InputPerMillionTokens = 1_000_000m, OutputPerMillionTokens = 0m };
            o.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = exact + 5 };
        });

        await pipeline.Client.GetResponseAsync(messages, options);

        Assert.Equal(1, pipeline.Inner.CallCount);
        Assert.Equal(5m, (await pipeline.Services.GetRequiredService<ISpendLedger>().GetAsync(Bucket(pipeline, "daily"))).SpentUsd);
    }

    private static ChatOptions Options() => SpendPrices.Options();

    private static void Prices(PromptOpsOptions o) => SpendPrices.Configure(o);

    private static SpendBucket Bucket(Pipeline pipeline, string budget)
    {
        var now = pipeline.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var zone = SpendPeriods.TryFindZone(pipeline.Services.GetRequiredService<IOptions<PromptOpsOptions>>().Value.Spending.TimeZone, out var z) ? z : TimeZoneInfo.Utc;
        return new SpendBucket(budget, "*", SpendPeriods.Get(SpendBudgetPeriod.Day, now, zone).Start);
    }

    private static Pipeline Create(
        Action<Dictionary<string, SpendBudget>> budgets,
        int outputTokens = 10,
        CollectingAlertHandler? alerts = null,
        FakeTimeProvider? time = null,
        string? timeZone = null,
        SpendLedgerFailureMode onLedgerFailure = SpendLedgerFailureMode.EnforceLocally,
        ISpendLedger? ledger = null)
    {
        var inner = Fakes.Replying(usage: new UsageDetails { InputTokenCount = 5, OutputTokenCount = outputTokens, TotalTokenCount = 5 + outputTokens });
        return Pipeline.Create(
            inner,
            configure: o =>
            {
                Prices(o);
                budgets(o.Spending.Budgets);
                o.Spending.TimeZone = timeZone;
                o.Spending.OnLedgerFailure = onLedgerFailure;
            },
            services: s =>
            {
                if (alerts is not null)
                {
                    s.AddSingleton<IBudgetAlertHandler>(alerts);
                }

                if (ledger is not null)
                {
                    s.AddSingleton(ledger);
                }
            },
            time: time);
    }

    internal sealed class CollectingAlertHandler : IBudgetAlertHandler
    {
        private readonly ConcurrentQueue<SpendBudgetAlert> _alerts = new();

        public List<SpendBudgetAlert> Alerts => [.. _alerts];

        public ValueTask HandleAsync(SpendBudgetAlert alert, CancellationToken cancellationToken)
        {
            _alerts.Enqueue(alert);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FailingLedger : ISpendLedger
    {
        private readonly InMemorySpendLedger _inner = new();
        private int _calls;

        public bool Failing { get; set; } = true;

        /// <summary>Gets or sets how long every operation blocks its thread first, as SQLite does on a busy file.</summary>
        public TimeSpan Delay { get; set; }

        /// <summary>Gets or sets how long a settlement blocks its thread on top of <see cref="Delay"/>.</summary>
        public TimeSpan SettleDelay { get; set; }

        public int Calls => _calls;

        public ValueTask<SpendReservationResult> TryReserveAsync(SpendReservationRequest request, CancellationToken cancellationToken = default)
        {
            Fail();
            return _inner.TryReserveAsync(request, cancellationToken);
        }

        public ValueTask<IReadOnlyList<SpendBucketTotal>> SettleAsync(string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd, CancellationToken cancellationToken = default)
        {
            Thread.Sleep(SettleDelay);
            Fail();
            return _inner.SettleAsync(reservationId, buckets, actualCostUsd, cancellationToken);
        }

        public ValueTask<bool> TryRecordAlertAsync(SpendBucket bucket, double threshold, CancellationToken cancellationToken = default)
        {
            Fail();
            return _inner.TryRecordAlertAsync(bucket, threshold, cancellationToken);
        }

        public ValueTask<SpendBucketTotal> GetAsync(SpendBucket bucket, CancellationToken cancellationToken = default)
        {
            Fail();
            return _inner.GetAsync(bucket, cancellationToken);
        }

        private void Fail()
        {
            Interlocked.Increment(ref _calls);
            Thread.Sleep(Delay);
            if (Failing)
            {
                throw new IOException("database is locked");
            }
        }
    }
}
