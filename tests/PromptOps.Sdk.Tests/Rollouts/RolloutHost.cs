using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Rollouts;

/// <summary>
/// One application instance on a fake clock, with the repository's prompts, an activation log (shared when given) and a
/// call store holding synthetic traffic that the test generates through the real catalog.
/// </summary>
internal sealed class RolloutHost : IAsyncDisposable
{
    private readonly IHost _host;

    public RolloutHost(FakeTimeProvider clock, IActivationLog? log = null, SyntheticCalls? calls = null, Dictionary<string, string?>? settings = null)
    {
        Clock = clock;
        Calls = calls ?? new SyntheticCalls();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddPromptOps(builder.Configuration.GetSection("PromptOps")).AddPromptDirectory(RepositoryPaths.Prompts);
        builder.Services.Replace(ServiceDescriptor.Singleton(log ?? new InMemoryActivationLog()));
        builder.Services.AddSingleton<ICallStore>(Calls);
        builder.Services.AddSingleton<IQualityAlertHandler>(Alerts);
        builder.Services.Configure<PromptOpsOptions>(o => o.Environment = "production");
        _host = builder.Build();
    }

    public FakeTimeProvider Clock { get; }

    public SyntheticCalls Calls { get; }

    public RecordingRolloutAlerts Alerts { get; } = new();

    public IPromptActivations Activations => _host.Services.GetRequiredService<IPromptActivations>();

    public IPromptCatalog Catalog => _host.Services.GetRequiredService<IPromptCatalog>();

    public IActivationLog Log => _host.Services.GetRequiredService<IActivationLog>();

    /// <summary>Reads the log and lets this instance decide any due rollout step, as its poll would.</summary>
    public Task PollAsync() => _host.Services.GetRequiredService<ActivationWatcher>().RefreshAsync(CancellationToken.None);

    public Task StartAsync() => _host.StartAsync();

    /// <summary>Serves <paramref name="users"/> users once each through the catalog and records each call, failing with the given rate per version.</summary>
    public void Serve(int users, Func<string, double> errorRate, Random random, string userPrefix = "user")
    {
        for (var i = 0; i < users; i++)
        {
            var user = $"{userPrefix}-{i}";
            using var context = PromptOpsContext.Begin(userId: user);
            var prompt = Catalog.Get("customer-support");
            Calls.Add(new PromptCallRecord
            {
                RequestId = Guid.NewGuid().ToString("n"),
                Timestamp = Clock.GetUtcNow(),
                Feature = "support",
                UserId = user,
                PromptId = prompt.Id,
                PromptVersion = prompt.Version.ToString(),
                Label = prompt.Reference.Label,
                Success = random.NextDouble() >= errorRate(prompt.Version.ToString()),
                Latency = TimeSpan.FromMilliseconds(400 + random.Next(200)),
                Cost = 0.002m,
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

/// <summary>An <see cref="ICallStore"/> over records the test adds; answers the queries the rollout guard makes.</summary>
internal sealed class SyntheticCalls : ICallStore
{
    private readonly Lock _gate = new();
    private readonly List<PromptCallRecord> _records = [];

    public void Add(PromptCallRecord record)
    {
        lock (_gate)
        {
            _records.Add(record);
        }
    }

    /// <summary>Gets how many queries the store answered.</summary>
    public int Queries { get; private set; }

    /// <summary>Gets or sets a value indicating whether queries fail as an unreachable database does.</summary>
    public bool Unreachable { get; set; }

    public Task<IReadOnlyList<PromptCallRecord>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (Unreachable)
            {
                throw new TimeoutException("The store did not answer.");
            }

            Queries++;
            IReadOnlyList<PromptCallRecord> found = [.. _records
                .Where(r => (query.From is null || r.Timestamp >= query.From) && (query.To is null || r.Timestamp < query.To)
                    && (query.PromptId is null || r.PromptId == query.PromptId) && (query.PromptVersion is null || r.PromptVersion == query.PromptVersion)
                    && (query.Label is null || r.Label == query.Label))
                .OrderByDescending(r => r.Timestamp)
                .Take(query.Limit)];
            return Task.FromResult(found);
        }
    }

    public Task<IReadOnlyList<PromptCallRecord>> GetRequestAsync(string requestId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<CallAggregate>> AggregateAsync(CallQuery query, IReadOnlyList<CallGrouping> groupBy, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => Task.FromResult(0L);

    public Task<IReadOnlyList<BudgetSpend>> GetBudgetSpendAsync(DateTimeOffset? startedFrom = null, DateTimeOffset? startedBefore = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
