using Microsoft.Extensions.Time.Testing;

namespace PromptOps.Tests.Rollouts;

/// <summary>Guarded rollouts over synthetic traffic served through the real catalog, on a fake clock.</summary>
public sealed class GuardedRolloutTests
{
    private static readonly PromptRolloutPlan Plan = new() { Steps = [5, 25, 50, 100], Interval = TimeSpan.FromMinutes(30), Guard = "error_rate<=+2pp, p95_latency<=+30%", MinimumCalls = 100 };

    [Fact]
    public async Task Rollout_NewVersionFailsMoreOften_RollsBackByItselfAtTheFirstGuardedStepAndAlerts()
    {
        await using var app = await StartAsync();
        var start = await app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan, "shorter answers", "ann");
        var random = new Random(7);

        // 30 minutes of traffic at 5%: the new version fails 15% of calls, the old 1%.
        app.Serve(4_000, version => version == "2.0.0" ? 0.15 : 0.01, random);
        app.Clock.Advance(TimeSpan.FromMinutes(30));
        await app.PollAsync();

        var rollout = Assert.Single(await app.Activations.GetRolloutsAsync("customer-support", "production"));
        var log = string.Join("\n", (await app.Log.GetHistoryAsync()).Select(e => $"{e.Timestamp:O} {e.ActivatedBy} {e.FromVersion} -> {e.ToVersion}: {e.Reason}"));
        Assert.True((PromptRolloutState.RolledBack, "guard") == (rollout.State, rollout.LastBy), $"{rollout.State} by {rollout.LastBy}; the log:\n{log}");
        Assert.Contains("error_rate", rollout.LastReason, StringComparison.Ordinal);
        var alert = Assert.Single(app.Alerts.Received);
        Assert.Equal((start.Id, "2.1.0", "2.0.0", 5), (alert.RolloutId, alert.FromVersion, alert.ToVersion, alert.Share));
        Assert.Contains("lower bound", alert.Reason, StringComparison.Ordinal);
        Assert.All(Enumerable.Range(0, 500), i => Assert.Equal("2.1.0", ServedTo(app, $"user-{i}")));

        // Nothing more happens to a rolled-back rollout.
        app.Clock.Advance(TimeSpan.FromHours(2));
        await app.PollAsync();
        Assert.Single(app.Alerts.Received);
        Assert.Equal(2, (await app.Log.GetHistoryAsync("customer-support", "production")).Count);
    }

    [Fact]
    public async Task Rollout_NewVersionAsGoodAsTheOld_CompletesStepByStepKeepingEachUsersVersion()
    {
        await using var app = await StartAsync();
        await app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan, "shorter answers", "ann");
        var random = new Random(11);
        var shares = new List<int>();
        var onNew = new HashSet<string>();

        for (var step = 0; step < 4; step++)
        {
            var served = Enumerable.Range(0, 2_000).Select(i => (User: $"user-{i}", Version: ServedTo(app, $"user-{i}"))).ToList();
            var nowOnNew = served.Where(s => s.Version == "2.0.0").Select(s => s.User).ToHashSet();
            Assert.Superset(onNew, nowOnNew); // a user moved to the new version stays on it as the share grows
            onNew = nowOnNew;
            shares.Add((int)Math.Round(100.0 * onNew.Count / served.Count));

            app.Serve(4_000, _ => 0.02, random);
            app.Clock.Advance(TimeSpan.FromMinutes(30));
            await app.PollAsync();
        }

        var rollout = Assert.Single(await app.Activations.GetRolloutsAsync());
        Assert.Equal((PromptRolloutState.Completed, 100), (rollout.State, rollout.Share));
        Assert.Empty(app.Alerts.Received);
        Assert.Equal("2.0.0", ServedTo(app, "anyone"));
        Assert.All(shares.Zip([5, 25, 50, 100]), pair => Assert.InRange(pair.First, pair.Second - 6, pair.Second + 6)); // over 2,000 users: 5+ standard deviations
        var steps = (await app.Log.GetHistoryAsync("customer-support", "production")).Skip(1).ToList();
        Assert.All(steps, s => Assert.Equal(("rollout", rollout.Id), (s.ActivatedBy, s.RelatesTo)));
        Assert.All(steps, s => Assert.Contains("guard passed", s.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rollout_TooFewCalls_WaitsAtItsStepUntilBothVersionsHaveTheMinimum()
    {
        await using var app = await StartAsync();
        await app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan, "shorter answers", "ann");
        var random = new Random(3);

        app.Serve(200, _ => 0.0, random); // about 10 calls on the new version: too few
        app.Clock.Advance(TimeSpan.FromMinutes(45));
        await app.PollAsync();
        Assert.Equal(5, Assert.Single(await app.Activations.GetRolloutsAsync()).Share);

        app.Serve(4_000, _ => 0.0, random, userPrefix: "later");
        app.Clock.Advance(RolloutConductor.WaitingRecheck); // a waiting step reads the store again a minute later
        await app.PollAsync();
        Assert.Equal(25, Assert.Single(await app.Activations.GetRolloutsAsync()).Share);
    }

    [Fact]
    public async Task Rollout_WaitingForCalls_ReadsTheStoreAtMostOnceAMinuteWhateverThePolls()
    {
        await using var app = await StartAsync();
        await app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan, "shorter answers", "ann");
        app.Serve(100, _ => 0.0, new Random(1)); // far too few calls
        app.Clock.Advance(TimeSpan.FromMinutes(30));

        for (var poll = 0; poll <= 12; poll++) // 30:00, 30:05, ..., 31:00
        {
            await app.PollAsync();
            app.Clock.Advance(TimeSpan.FromSeconds(5)); // the default poll interval
        }

        Assert.Equal(4, app.Calls.Queries); // two samples at 30:00 and two at 31:00
        Assert.Equal(5, Assert.Single(await app.Activations.GetRolloutsAsync()).Share);
    }

    [Fact]
    public async Task Rollout_CallStoreUnreachableWhenAStepIsDue_StaysAtItsStepAndStepsOnceTheStoreIsBack()
    {
        await using var app = await StartAsync();
        await app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan, "shorter answers", "ann");
        app.Serve(4_000, _ => 0.01, new Random(4));
        app.Calls.Unreachable = true;
        app.Clock.Advance(TimeSpan.FromMinutes(30));

        await app.PollAsync(); // the failure is logged (1032) and never thrown to the poll

        Assert.Equal(5, Assert.Single(await app.Activations.GetRolloutsAsync()).Share);
        Assert.InRange(Enumerable.Range(0, 1_000).Count(i => ServedTo(app, $"user-{i}") == "2.0.0"), 20, 90); // still the 5% step
        app.Calls.Unreachable = false;
        await app.PollAsync();
        Assert.Equal(25, Assert.Single(await app.Activations.GetRolloutsAsync()).Share);
        Assert.Empty(app.Alerts.Received);
    }

    [Fact]
    public async Task Rollout_NotYetDue_DoesNotStepEvenWithEnoughCalls()
    {
        await using var app = await StartAsync();
        await app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan, "shorter answers", "ann");
        app.Serve(4_000, _ => 0.0, new Random(5));

        app.Clock.Advance(TimeSpan.FromMinutes(29));
        await app.PollAsync();

        var rollout = Assert.Single(await app.Activations.GetRolloutsAsync());
        Assert.Equal((5, app.Clock.GetUtcNow() + TimeSpan.FromMinutes(1)), (rollout.Share, rollout.NextStepAt));
    }

    [Fact]
    public async Task Rollout_TwoInstancesDecideTheSameStep_ExactlyOneStepIsRecorded()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        var log = new InMemoryActivationLog();
        var calls = new SyntheticCalls();
        await using var first = new RolloutHost(clock, log, calls);
        await using var second = new RolloutHost(clock, log, calls);
        await first.StartAsync();
        await second.StartAsync();
        await first.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan with { Guard = "none" }, "shorter answers", "ann");

        clock.Advance(TimeSpan.FromMinutes(30));
        await Task.WhenAll(first.PollAsync(), second.PollAsync(), first.PollAsync(), second.PollAsync());

        var history = await log.GetHistoryAsync("customer-support", "production");
        Assert.Equal(2, history.Count);
        Assert.Equal(25, Assert.Single(await first.Activations.GetRolloutsAsync()).Share);
    }

    [Fact]
    public async Task InstanceStartedMidRollout_ServesTheCurrentStep()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        var log = new InMemoryActivationLog();
        await using (var earlier = new RolloutHost(clock, log))
        {
            await earlier.StartAsync();
            await earlier.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan with { Guard = "none" }, "shorter answers", "ann");
            clock.Advance(TimeSpan.FromMinutes(30));
            await earlier.PollAsync();
        }

        await using var later = new RolloutHost(clock, log);
        await later.StartAsync();

        var onNew = Enumerable.Range(0, 2_000).Count(i => ServedTo(later, $"user-{i}") == "2.0.0");
        Assert.InRange(onNew, 400, 600); // 25% of 2,000
    }

    [Fact]
    public async Task AbortRollout_ServesTheOldVersionToEveryoneAndRecordsWhy()
    {
        await using var app = await StartAsync();
        await app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan, "shorter answers", "ann");

        var abort = await app.Activations.AbortRolloutAsync("customer-support", "production", "support team asked", "bob");

        Assert.Equal(("2.1.0", "bob"), (abort.ToVersion, abort.ActivatedBy));
        Assert.Contains("support team asked", abort.Reason, StringComparison.Ordinal);
        Assert.Equal(PromptRolloutState.Aborted, Assert.Single(await app.Activations.GetRolloutsAsync()).State);
        Assert.All(Enumerable.Range(0, 300), i => Assert.Equal("2.1.0", ServedTo(app, $"user-{i}")));
        await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.AbortRolloutAsync("customer-support", "production", "again"));
    }

    [Fact]
    public async Task ManualActivationDuringRollout_SupersedesItAndTheGuardNoLongerMovesIt()
    {
        await using var app = await StartAsync();
        await app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan with { Guard = "none" }, "shorter answers", "ann");

        await app.Activations.ActivateAsync("customer-support", "2.1.0", "production", "incident: stop everything", "bob");
        app.Clock.Advance(TimeSpan.FromHours(3));
        await app.PollAsync();

        Assert.Equal(PromptRolloutState.Superseded, Assert.Single(await app.Activations.GetRolloutsAsync()).State);
        Assert.Equal("2.1.0", ServedTo(app, "user-1"));
    }

    [Theory]
    [InlineData("5,25,50", "the last step must be 100")]
    [InlineData("50,25,100", "the steps must increase")]
    [InlineData("0,100", "from 1 to 100")]
    public async Task StartRollout_StepsThatDoNotEndAt100OrDoNotIncrease_AreRefused(string steps, string expected)
    {
        await using var app = await StartAsync();
        Assert.True(RolloutText.TryParseSteps(steps, out var parsed, out _));

        var error = await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan with { Steps = parsed }, "test"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Empty(await app.Log.GetHistoryAsync());
    }

    [Theory]
    [InlineData("error_rate<=2%", "percentage points")]
    [InlineData("latency<=+30%", "unknown metric 'latency'")]
    [InlineData("error_rate>=+2pp", "not understood")]
    [InlineData("error_rate<=+2pp, error_rate<=+1pp", "twice")]
    public async Task StartRollout_GuardThatDoesNotParse_IsRefusedNamingTheTerm(string guard, string expected)
    {
        await using var app = await StartAsync();

        var error = await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan with { Guard = guard }, "test"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRollout_SecondRolloutOfTheSamePrompt_IsRefusedWhileTheFirstRuns()
    {
        await using var app = await StartAsync();
        var first = await app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan, "first");

        var error = await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", Plan, "second"));

        Assert.Contains(first.Id, error.Message, StringComparison.Ordinal);
        Assert.Contains("rollout abort", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRollout_UnknownEnvironment_IsRefusedWithTheNearestKnownOne()
    {
        await using var app = await StartAsync();

        var error = await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.StartRolloutAsync("customer-support", "2.0.0", "prodution", Plan, "typo"));

        Assert.Contains("Did you mean 'production'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRollout_FromASplitOrToADraftOrTheServedVersion_IsRefused()
    {
        await using var app = await StartAsync();

        var same = await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.StartRolloutAsync("customer-support", "2.1.0", "production", Plan, "same"));
        var fromSplit = await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.StartRolloutAsync("customer-support", "2.0.0", "staging", Plan, "split"));

        Assert.Contains("nothing to roll out", same.Message, StringComparison.Ordinal);
        Assert.Contains("split", fromSplit.Message, StringComparison.Ordinal);
    }

    private static string ServedTo(RolloutHost app, string user)
    {
        using var context = PromptOpsContext.Begin(userId: user);
        return app.Catalog.Get("customer-support").Version.ToString();
    }

    private static async Task<RolloutHost> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var app = new RolloutHost(new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero)), settings: settings);
        await app.StartAsync();
        return app;
    }
}
