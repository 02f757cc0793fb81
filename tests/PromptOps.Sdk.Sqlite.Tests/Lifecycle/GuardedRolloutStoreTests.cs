using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Sqlite;

/// <summary>
/// A guarded rollout end to end: calls go through the real chat pipeline, are recorded in a SQLite store, and the guard of
/// the instance reads them back from the store to decide; all on a fake clock.
/// </summary>
public sealed class GuardedRolloutStoreTests
{
    private static readonly PromptRolloutPlan Plan = new() { Steps = [10, 50, 100], Interval = TimeSpan.FromMinutes(10), Guard = "error_rate<=+2pp", MinimumCalls = 50 };

    [Fact]
    public async Task Rollout_NewVersionFailsInTheStoresRecords_RollsBackAndOnlyThisEnvironmentsCallsCount()
    {
        using var temp = new TempStore();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        var alerts = new RecordingRolloutAlerts();
        using var production = Instance(temp.ConnectionString, clock, "production", alerts);
        using var staging = Instance(temp.ConnectionString, clock, "staging", alerts);
        await production.StartAsync();
        await staging.StartAsync();
        var rollout = await production.Services.GetRequiredService<IPromptActivations>().StartRolloutAsync("customer-support", "2.0.0", "production", Plan, "shorter answers", "ann");

        await ServeAsync(staging, 4_000, failingVersion: null); // staging serves 2.0.0 to half its users without a single error: it must not count
        await ServeAsync(production, 1_500, failingVersion: "2.0.0");
        clock.Advance(TimeSpan.FromMinutes(10));
        await production.Services.GetRequiredService<ActivationWatcher>().RefreshAsync(CancellationToken.None);

        var status = Assert.Single(await production.Services.GetRequiredService<IPromptActivations>().GetRolloutsAsync("customer-support", "production"));
        Assert.Equal((rollout.Id, PromptRolloutState.RolledBack), (status.Id, status.State));
        Assert.Contains("error_rate", status.LastReason, StringComparison.Ordinal);
        Assert.Equal(rollout.Id, Assert.Single(alerts.Received).RolloutId);
        using (PromptOpsContext.Begin(userId: "user-1"))
        {
            Assert.Equal("2.1.0", production.Services.GetRequiredService<IPromptCatalog>().Get("customer-support").Version.ToString());
        }

        await production.StopAsync();
        await staging.StopAsync();
    }

    /// <summary>Set around each call the test makes: whether the model fails it (the middleware passes no prompt metadata to the inner client).</summary>
    private static readonly AsyncLocal<bool> FailThisCall = new();

    private static async Task ServeAsync(IHost host, int users, string? failingVersion)
    {
        var catalog = host.Services.GetRequiredService<IPromptCatalog>();
        var client = host.Services.GetRequiredService<IChatClient>();
        for (var i = 0; i < users; i++)
        {
            using var context = PromptOpsContext.Begin(feature: "support", userId: $"user-{i}");
            var prompt = catalog.Get("customer-support");
            var rendered = prompt.Render(new { company_name = "Acme", question = "Where is my refund?" });
            FailThisCall.Value = prompt.Version.ToString() == failingVersion && i % 5 == 0;
            try
            {
                await client.GetResponseAsync(rendered.Messages, rendered.Options);
            }
            catch (InvalidOperationException)
            {
                // the version under test fails for some users; the failure is recorded
            }
        }

        await host.Services.GetRequiredService<ICallRecordDispatcher>().FlushAsync();
    }

    private static IHost Instance(string store, FakeTimeProvider clock, string environment, RecordingRolloutAlerts alerts)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddSingleton<IQualityAlertHandler>(alerts);
        builder.Services.AddPromptOps(builder.Configuration.GetSection("PromptOps"))
            .AddPromptDirectory(RepositoryPaths.Prompts)
            .AddSqliteStore(store);
        builder.Services.Configure<PromptOpsOptions>(o => o.Environment = environment);
        builder.Services.AddChatClient(new FailingClient()).UsePromptOps();
        return builder.Build();
    }

    /// <summary>Answers every call, except those the test marks to fail.</summary>
    private sealed class FailingClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (FailThisCall.Value)
            {
                throw new InvalidOperationException("the model returned an unusable answer");
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Your refund is on its way.")) { ModelId = "gpt-4o-mini", Usage = new UsageDetails { InputTokenCount = 120, OutputTokenCount = 12 } });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
