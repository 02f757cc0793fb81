using Microsoft.Extensions.Time.Testing;

namespace PromptOps.Tests.Rollouts;

/// <summary>Environments that require approval: a request is served only once someone else approves it.</summary>
public sealed class ApprovalTests
{
    private static readonly Dictionary<string, string?> Protected = new() { ["PromptOps:Environments:production:RequireApproval"] = "true" };

    [Fact]
    public async Task ActivateAsync_ProtectedEnvironment_RecordsARequestAndServesNothingNew()
    {
        await using var app = await StartAsync();

        var request = await app.Activations.ActivateAsync("customer-support", "2.0.0", "production", "rollback: INC-4312", "ann");

        Assert.Equal(PromptActivationKind.Requested, request.Kind);
        Assert.Equal("2.1.0", app.Catalog.Get("customer-support").Version.ToString());
    }

    [Fact]
    public async Task ApproveAsync_BySomeoneElse_MakesTheRequestLiveAndRecordsBoth()
    {
        await using var app = await StartAsync();
        var request = await app.Activations.ActivateAsync("customer-support", "2.0.0", "production", "rollback: INC-4312", "ann");

        var approval = await app.Activations.ApproveAsync(request.Id, "bob");

        Assert.Equal("2.0.0", app.Catalog.Get("customer-support").Version.ToString());
        Assert.Equal((PromptActivationKind.Activated, "bob", request.Id, "2.1.0"), (approval.Kind, approval.ActivatedBy, approval.RelatesTo, approval.FromVersion));
        Assert.Contains("requested by ann", approval.Reason, StringComparison.Ordinal);
        Assert.Equal([request.Id, approval.Id], (await app.Log.GetHistoryAsync()).Select(a => a.Id));
    }

    [Fact]
    public async Task ApproveAsync_ByTheRequester_IsRefused()
    {
        await using var app = await StartAsync();
        var request = await app.Activations.ActivateAsync("customer-support", "2.0.0", "production", "rollback", "ann");

        var error = await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.ApproveAsync(request.Id, "ANN"));

        Assert.Contains("cannot approve it", error.Message, StringComparison.Ordinal);
        Assert.Equal("2.1.0", app.Catalog.Get("customer-support").Version.ToString());
    }

    [Fact]
    public async Task ApproveAsync_Twice_IsRefusedTheSecondTime()
    {
        await using var app = await StartAsync();
        var request = await app.Activations.ActivateAsync("customer-support", "2.0.0", "production", "rollback", "ann");
        await app.Activations.ApproveAsync(request.Id, "bob");

        var error = await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.ApproveAsync(request.Id, "carol"));

        Assert.Contains("already approved by bob", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await app.Log.GetHistoryAsync()).Count);
    }

    [Fact]
    public async Task ApproveAsync_SupersededByALaterRequest_IsRefusedNamingTheLaterOne()
    {
        await using var app = await StartAsync();
        var first = await app.Activations.ActivateAsync("customer-support", "2.0.0", "production", "rollback", "ann");
        var second = await app.Activations.ActivateAsync("customer-support", "2.1.0", "production", "no, keep it", "carol");

        var error = await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.ApproveAsync(first.Id, "bob"));

        Assert.Contains("superseded", error.Message, StringComparison.Ordinal);
        Assert.Contains(second.Id, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveAsync_ManyApproversAtOnce_ExactlyOneSucceeds()
    {
        await using var app = await StartAsync();
        var request = await app.Activations.ActivateAsync("customer-support", "2.0.0", "production", "rollback", "ann");

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            try
            {
                await Task.Yield();
                await app.Activations.ApproveAsync(request.Id, $"approver-{i}");
                return true;
            }
            catch (PromptOpsException)
            {
                return false;
            }
        }));

        Assert.Single(results, ok => ok);
        Assert.Equal(2, (await app.Log.GetHistoryAsync()).Count);
    }

    [Fact]
    public async Task ApproveAsync_UnknownIdOrAnActivation_IsRefusedWithAHint()
    {
        await using var app = await StartAsync();
        var live = await app.Activations.ActivateAsync("classify-intent", "1.0.0", "staging", "test", "ann");

        var unknown = await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.ApproveAsync("a0000000000", "bob"));
        var notRequest = await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.ApproveAsync(live.Id, "bob"));

        Assert.Contains("labels --history", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("not a request awaiting approval", notRequest.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRolloutAsync_ProtectedEnvironment_StartsOnlyWhenApproved()
    {
        await using var app = await StartAsync();
        var plan = new PromptRolloutPlan { Steps = [10, 100], Interval = TimeSpan.FromMinutes(10), Guard = "none" };
        var request = await app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", plan, "shorter answers", "ann");
        Assert.Equal(PromptRolloutState.PendingApproval, Assert.Single(await app.Activations.GetRolloutsAsync()).State);
        await Assert.ThrowsAsync<PromptOpsException>(() => app.Activations.StartRolloutAsync("customer-support", "2.0.0", "production", plan, "again", "carol"));

        var approval = await app.Activations.ApproveAsync(request.Id, "bob");
        var rollout = Assert.Single(await app.Activations.GetRolloutsAsync());
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        await app.PollAsync();

        Assert.Equal((approval.Id, PromptRolloutState.Running, 10), (rollout.Id, rollout.State, rollout.Share));
        Assert.Equal(PromptRolloutState.Completed, Assert.Single(await app.Activations.GetRolloutsAsync()).State);
        Assert.Equal("2.0.0", app.Catalog.Get("customer-support").Version.ToString());
    }

    [Fact]
    public async Task AuditTrail_AnswersWhichVersionServedAtAPointInTime()
    {
        await using var app = await StartAsync();
        var request = await app.Activations.ActivateAsync("customer-support", "2.0.0", "production", "rollback", "ann");
        app.Clock.Advance(TimeSpan.FromHours(1));
        await app.Activations.ApproveAsync(request.Id, "bob");
        var approvedAt = app.Clock.GetUtcNow();
        app.Clock.Advance(TimeSpan.FromHours(5));
        await app.Activations.ActivateAsync("customer-support", "2.1.0", "production", "fixed", "carol");
        var history = await app.Log.GetHistoryAsync("customer-support", "production");

        string? ServedAt(DateTimeOffset at) => history.LastOrDefault(a => a.Kind == PromptActivationKind.Activated && a.Timestamp <= at)?.ToVersion;

        Assert.Null(ServedAt(approvedAt - TimeSpan.FromMinutes(1))); // the request alone served nothing
        Assert.Equal("2.0.0", ServedAt(approvedAt + TimeSpan.FromHours(2)));
        Assert.Equal(2, history.Count(a => a.Kind == PromptActivationKind.Requested)); // the second request awaits approval
    }

    private static async Task<RolloutHost> StartAsync()
    {
        var app = new RolloutHost(new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero)), settings: Protected);
        await app.StartAsync();
        return app;
    }
}
