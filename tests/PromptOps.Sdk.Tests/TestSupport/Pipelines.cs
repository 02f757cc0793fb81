using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace PromptOps.Tests.TestSupport;

/// <summary>A service provider wired the way an application wires PromptOps, around a fake chat client.</summary>
internal sealed class Pipeline : IAsyncDisposable
{
    private static readonly Lazy<PromptLibrary> Library = new(() => PromptLibrary.LoadDirectory(RepositoryPaths.Prompts));

    private Pipeline(ServiceProvider services, FakeChatClient inner, CollectingSink sink)
    {
        Services = services;
        Inner = inner;
        Sink = sink;
        Client = services.GetRequiredService<IChatClient>();
        Dispatcher = services.GetRequiredService<ICallRecordDispatcher>();
        Logs = services.GetRequiredService<FakeLogCollector>();
    }

    public ServiceProvider Services { get; }

    public FakeChatClient Inner { get; }

    public CollectingSink Sink { get; }

    public IChatClient Client { get; }

    public ICallRecordDispatcher Dispatcher { get; }

    public FakeLogCollector Logs { get; }

    /// <summary>Renders one of the repository's sample prompts.</summary>
    public static RenderedPrompt Render(string id = "customer-support", string question = "Where is my order 10023?") =>
        Library.Value.FindDefault(id, allowDrafts: false)!.Render(new Dictionary<string, object?>
        {
            ["company_name"] = "Acme Outdoor",
            ["question"] = question,
            ["ticket"] = question,
            ["message"] = question,
        });

    public static Pipeline Create(
        FakeChatClient? inner = null,
        Action<PromptOpsOptions>? configure = null,
        Func<ChatClientBuilder, ChatClientBuilder>? pipeline = null,
        Action<IServiceCollection>? services = null,
        FakeTimeProvider? time = null)
    {
        inner ??= Fakes.Replying(usage: new UsageDetails { InputTokenCount = 1200, OutputTokenCount = 300, TotalTokenCount = 1500 });
        var sink = new CollectingSink();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace)).AddFakeLogging();
        if (time is not null)
        {
            collection.AddSingleton<TimeProvider>(time);
        }

        collection.AddPromptOps(o => configure?.Invoke(o));
        collection.AddSingleton<IPromptCallSink>(sink);
        services?.Invoke(collection);
        var builder = collection.AddChatClient(inner);
        (pipeline ?? (b => b.UsePromptOps()))(builder);
        return new Pipeline(collection.BuildServiceProvider(), inner, sink);
    }

    /// <summary>Waits for the background hand-off and returns what the sink received.</summary>
    public async Task<IReadOnlyList<PromptCallRecord>> RecordsAsync()
    {
        await Dispatcher.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return Sink.Records;
    }

    public async Task<PromptCallRecord> SingleRecordAsync() => Assert.Single(await RecordsAsync());

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
