namespace PromptOps.Tests.Context;

public class PromptOpsContextTests
{
    [Fact]
    public void Begin_NoRequestId_GeneratesOne()
    {
        using var context = PromptOpsContext.Begin(feature: "support");

        Assert.Matches("^[0-9a-f]{32}$", context.RequestId);
        Assert.Same(context, PromptOpsContext.Current);
    }

    [Fact]
    public void Begin_Nested_InheritsWhatItDoesNotSetAndDisposeRestoresTheOuter()
    {
        using var outer = PromptOpsContext.Begin(feature: "support", userId: "u1", tenantId: "t1", requestId: "req-1", tags: new Dictionary<string, string> { ["a"] = "1", ["b"] = "1" });
        using (var inner = PromptOpsContext.Begin(feature: "summaries", tags: new Dictionary<string, string> { ["b"] = "2" }))
        {
            Assert.Equal(("summaries", "u1", "t1", "req-1"), (inner.Feature, inner.UserId, inner.TenantId, inner.RequestId));
            Assert.Equal("1", inner.Tags["a"]);
            Assert.Equal("2", inner.Tags["b"]);
            Assert.Same(inner, PromptOpsContext.Current);
        }

        Assert.Same(outer, PromptOpsContext.Current);
        Assert.Equal("1", outer.Tags["b"]);
    }

    [Fact]
    public void Dispose_Twice_DoesNotDisturbTheCurrentContext()
    {
        using var outer = PromptOpsContext.Begin(requestId: "outer");
        var inner = PromptOpsContext.Begin(requestId: "inner");
        inner.Dispose();
        inner.Dispose();

        Assert.Same(outer, PromptOpsContext.Current);
    }

    [Fact]
    public async Task Current_FlowsAcrossAwaitsAndTasksButNotBackToTheCaller()
    {
        Assert.Null(PromptOpsContext.Current);
        string? seen = null;

        await Task.Run(async () =>
        {
            using var context = PromptOpsContext.Begin(requestId: "inside");
            await Task.Yield();
            seen = await Task.Run(() => PromptOpsContext.Current?.RequestId);
        });

        Assert.Equal("inside", seen);
        Assert.Null(PromptOpsContext.Current);
    }

    [Fact]
    public void NewRequestId_ManyInParallel_AreUniqueVersion7UuidsInTimeOrder()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 20_000, _ => ids.Add(PromptOpsContext.NewRequestId()));
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var later = PromptOpsContext.NewRequestId();

        Assert.Equal(20_000, ids.Distinct().Count());
        Assert.All(ids, id =>
        {
            var uuid = Guid.ParseExact(id, "N");
            Assert.Equal(7, uuid.Version);
            Assert.Equal(0b10, uuid.Variant >> 2);
        });
        Assert.InRange(Convert.ToInt64(later[..12], 16), before, before + 5_000);
    }
}
