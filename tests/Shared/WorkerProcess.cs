using System.Diagnostics;
using System.Globalization;

namespace PromptOps.Tests.TestSupport;

/// <summary>One run of tests/PromptOps.Sdk.Tests.Worker as a separate OS process (dotnet exec), for tests that need several processes.</summary>
internal sealed class WorkerProcess
{
    private readonly Process _process;
    private readonly Task<string> _error;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process)
    {
        _process = process;
        _error = process.StandardError.ReadToEndAsync();
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                }
            }

            _ended.TrySetResult();
        });
    }

    public static WorkerProcess Start(params string[] arguments)
    {
        var worker = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "PromptOps.Sdk.Tests.Worker", "bin",
            new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "PromptOps.Sdk.Tests.Worker.dll"));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["exec", worker, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        return new WorkerProcess(Process.Start(start)!);
    }

    /// <summary>Waits until the worker printed a line (for example "held").</summary>
    public Task WaitForLineAsync(string expected, TimeSpan timeout) => WaitForLineAsync(line => line == expected, $"'{expected}'", timeout);

    /// <summary>Waits until the worker printed a line that matches, and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string description, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            lock (_lines)
            {
                if (_lines.FirstOrDefault(match) is { } line)
                {
                    return line;
                }
            }

            if (_process.HasExited && _ended.Task.IsCompleted)
            {
                Assert.Fail($"the worker exited before printing {description}: {await _error}");
            }

            await Task.Delay(5);
        }

        lock (_lines)
        {
            Assert.Fail($"the worker did not print {description} within {timeout}; it printed: {string.Join(" / ", _lines)}; exited: {_process.HasExited}.");
            return string.Empty;
        }
    }

    /// <summary>Kills the worker at once (SIGKILL), as a crash or an out-of-memory kill would.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Waits for the worker to end and returns the numbers of its last line, and what it wrote to its error output.</summary>
    public async Task<(long[] Numbers, string Errors)> ResultAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await _process.WaitForExitAsync(timeout.Token);
        await _ended.Task.WaitAsync(timeout.Token);
        var errors = (await _error).Trim();
        Assert.True(_process.ExitCode == 0, $"the worker exited with {_process.ExitCode}: {errors}");
        string last;
        lock (_lines)
        {
            last = _lines.Last(l => l is not ("held" or "ready"));
        }

        return ([.. last.Split(' ').Select(n => long.Parse(n, CultureInfo.InvariantCulture))], errors);
    }
}
