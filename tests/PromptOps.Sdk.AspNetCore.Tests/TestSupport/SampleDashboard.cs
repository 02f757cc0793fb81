using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace PromptOps.Tests.TestSupport;

/// <summary>
/// samples/Dashboard started as its own process on a free loopback port, over a fresh store it fills with a month of simulated
/// traffic (smaller than the sample's default, without live traffic so the numbers hold still), and Debian's chromium driven
/// by Playwright. Shared by the browser tests of one class.
/// </summary>
public sealed class SampleDashboard : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("promptops-sample-dashboard-").FullName;
    private readonly List<string> _output = [];
    private Process? _process;
    private IPlaywright? _playwright;

    public Uri Address { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string StorePath => Path.Combine(_folder, "dashboard.db");

    /// <summary>Opens the store read-only, to compute what the pages should show independently of the dashboard.</summary>
    public SqliteConnection OpenStore()
    {
        var connection = new SqliteConnection($"Data Source={StorePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection;
    }

    public async Task InitializeAsync()
    {
        var port = LoopbackPort.Free();
        Address = new Uri($"http://127.0.0.1:{port}");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var folder = Path.Combine(RepositoryPaths.Root, "samples", "Dashboard", "bin", configuration, "net10.0");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["exec", Path.Combine(folder, "Dashboard.dll"), $"--urls={Address}", $"--Dashboard:Store={StorePath}",
            "--Dashboard:CallsPerDay=120", "--Dashboard:LiveTrafficInterval=00:00:00"])
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start samples/Dashboard.");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.OutputDataReceived += (_, e) => Collect(e.Data, ready);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, ready);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var exited = _process.WaitForExitAsync();
        var finished = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromMinutes(4)));
        if (finished != ready.Task)
        {
            throw new InvalidOperationException($"samples/Dashboard did not become ready ({(finished == exited ? "it exited" : "timed out")}):\n{string.Join('\n', Output)}");
        }

        _playwright = await Playwright.CreateAsync();
        var chromium = Environment.GetEnvironmentVariable("PROMPTOPS_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException($"The browser tests drive Debian's chromium at {chromium}, which is not installed: run 'apt-get install chromium' (.ci/run does), or set PROMPTOPS_CHROMIUM to a Chromium executable.");
        }

        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private IEnumerable<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    private void Collect(string? line, TaskCompletionSource ready)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        if (line.StartsWith("Dashboard ready", StringComparison.Ordinal))
        {
            ready.TrySetResult();
        }
    }
}
