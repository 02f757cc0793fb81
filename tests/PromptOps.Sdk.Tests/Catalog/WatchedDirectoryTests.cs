using Microsoft.Extensions.DependencyInjection;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Catalog;

public sealed class WatchedDirectoryTests : IDisposable
{
    private static readonly TimeSpan s_reloadTimeout = TimeSpan.FromSeconds(20);
    private readonly TempPromptLibrary _dir = new TempPromptLibrary().With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(body: "Hello {{ name }}!"));
    private readonly ServiceProvider _provider;
    private readonly IPromptCatalog _catalog;

    public WatchedDirectoryTests()
    {
        var services = new ServiceCollection();
        services.AddPromptOps().AddPromptDirectory(_dir.Root, watch: true);
        _provider = services.BuildServiceProvider();
        _catalog = _provider.GetRequiredService<IPromptCatalog>();
    }

    public void Dispose()
    {
        _provider.Dispose();
        _dir.Dispose();
    }

    private string RenderGreeting() => _catalog.Get("greeting").Render(new { name = "Ann" }).Messages[1].Text;

    /// <summary>Writes a file and waits until the catalog has reloaded a version in which <paramref name="done"/> holds.</summary>
    private async Task EditAndWaitAsync(string relativePath, string content, Func<bool> done)
    {
        var deadline = DateTime.UtcNow + s_reloadTimeout;
        _dir.Write(relativePath, content);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, "The catalog did not reload the edited file in time.");
            var reloaded = new TaskCompletionSource();
            using var registration = _catalog.GetReloadToken().RegisterChangeCallback(_ => reloaded.TrySetResult(), null);
            await Task.WhenAny(reloaded.Task, Task.Delay(500));
        }
    }

    [Fact]
    public async Task Edit_LockedPublishedVersion_KeepsServingTheLockedContentAndReportsImmutability()
    {
        _dir.Locked();
        await EditAndWaitAsync("labels.yaml", "production: { greeting: 1.0.0 }\n", () => _catalog.Get("greeting").Reference.Label == "production");

        await EditAndWaitAsync("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(body: "Changed {{ name }}!"), () => _catalog.Diagnostics.Any(d => d.IsError));

        Assert.Equal("Hello Ann!", RenderGreeting());
        Assert.Equal(PromptDiagnosticCodes.LockMismatch, Assert.Single(_catalog.Diagnostics, d => d.IsError).Code);
    }

    [Fact]
    public async Task Edit_ValidChange_IsServedWithoutRestart()
    {
        Assert.Equal("Hello Ann!", RenderGreeting());

        await EditAndWaitAsync("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(body: "Welcome back, {{ name }}."), () => RenderGreeting() == "Welcome back, Ann.");

        // The library has no lock file (a development library), so the only finding is the warning that says so.
        Assert.All(_catalog.Diagnostics, d => Assert.Equal(PromptDiagnosticCodes.LockEntryMissing, d.Code));
    }

    [Fact]
    public async Task Edit_InvalidChange_KeepsServingTheLastGoodVersionAndReportsTheError()
    {
        await EditAndWaitAsync("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(body: "Hello {{ nmae }}!"), () => _catalog.Diagnostics.Any(d => d.IsError));

        Assert.Equal("Hello Ann!", RenderGreeting());
        var error = Assert.Single(_catalog.Diagnostics, d => d.IsError);
        Assert.Equal(PromptDiagnosticCodes.UndeclaredVariable, error.Code);

        await EditAndWaitAsync("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(body: "Fixed {{ name }}"), () => RenderGreeting() == "Fixed Ann");
        Assert.DoesNotContain(_catalog.Diagnostics, d => d.IsError);
    }

    [Fact]
    public async Task Edit_HostileFilesSavedWhileRendering_AppKeepsServingTheLastGoodVersion()
    {
        using var stop = new CancellationTokenSource();
        var renderer = Task.Run(() =>
        {
            var count = 0;
            while (!stop.IsCancellationRequested)
            {
                Assert.Equal("Hello Ann!", RenderGreeting());
                count++;
            }

            return count;
        });

        var hostile = PromptFileMutator.KnownHostileTexts
            .Concat(PromptFileMutator.Mutate(TempPromptLibrary.ValidPrompt(), seed: 21, count: 6))
            .Where(text => text != TempPromptLibrary.ValidPrompt());
        foreach (var text in hostile)
        {
            var reloaded = new TaskCompletionSource();
            using (_catalog.GetReloadToken().RegisterChangeCallback(_ => reloaded.TrySetResult(), null))
            {
                _dir.Write("greeting/1.0.0.yaml", text);
                _dir.Write("labels.yaml", text);
                await reloaded.Task.WaitAsync(s_reloadTimeout);
            }
        }

        await stop.CancelAsync();
        Assert.True(await renderer > 0);
        Assert.Contains(_catalog.Diagnostics, d => d.IsError);
        Assert.Equal("Hello Ann!", RenderGreeting());
    }

    [Fact]
    public async Task Edit_NewVersionFile_BecomesTheServedVersion()
    {
        await EditAndWaitAsync("greeting/1.1.0.yaml", TempPromptLibrary.ValidPrompt(version: "1.1.0", body: "Hi {{ name }}"), () => RenderGreeting() == "Hi Ann");

        Assert.Equal("1.1.0", _catalog.Get("greeting").Version.ToString());
    }

    [Fact]
    public async Task Render_ManyThreadsWhileFilesAreEdited_NeverFailsAndSeesOnlyWholeVersions()
    {
        using var stop = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>();

        // One renderer per core, yielding between renders: spinning threads on every core would starve the watcher's own
        // threads, and the test would measure the scheduler instead of the catalog.
        var renderers = Enumerable.Range(0, Math.Max(2, Environment.ProcessorCount)).Select(_ => Task.Run(() =>
        {
            var count = 0;
            while (!stop.IsCancellationRequested || count == 0)
            {
                seen.TryAdd(RenderGreeting(), 0);
                count++;
                Thread.Yield();
            }

            return count;
        })).ToArray();

        for (var i = 0; i < 5; i++)
        {
            var body = $"Edit {i} for {{{{ name }}}}";
            await EditAndWaitAsync("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(body: body), () => RenderGreeting() == $"Edit {i} for Ann");
            await EditAndWaitAsync("greeting/1.0.0.yaml", "messages: [ broken", () => _catalog.Diagnostics.Any(d => d.IsError));
        }

        await stop.CancelAsync();
        var renders = (await Task.WhenAll(renderers)).Sum();

        Assert.True(renders > 0);
        Assert.All(seen.Keys, text => Assert.Matches("^(Hello Ann!|Edit [0-4] for Ann)$", text));
        Assert.Equal("Edit 4 for Ann", RenderGreeting());
    }
}
