using System.Diagnostics;
using PromptOps.Tests;

namespace PromptOps.Cli.Tests.Commands;

/// <summary>
/// Runs <c>promptops lint</c> as a child process over seeded mutations of every file of the sample library, so a
/// crash (a stack overflow ends a process; no catch can stop it) or a hang shows as what it is.
/// </summary>
public sealed class LintFuzzTests : IDisposable
{
    private const int Batches = 4;
    private const int MutationsPerFileAndBatch = 25;
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);
    private static readonly System.Text.UTF8Encoding s_lenientUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<int> BatchNumbers() => [.. Enumerable.Range(0, Batches)];

    [Theory]
    [MemberData(nameof(BatchNumbers))]
    public async Task Lint_MutatedSampleLibrary_ReportsDiagnosticsWithoutCrashingOrHanging(int batch)
    {
        var root = Path.Combine(_cli.Root, "prompts");
        WriteMutatedLibrary(root, seed: 1_000 * (batch + 1));

        var (exitCode, output, error) = await RunLintProcessAsync(root);

        Assert.DoesNotContain("Unhandled exception", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Stack overflow", error, StringComparison.Ordinal);
        Assert.True(exitCode is 0 or 1, $"promptops lint exited with {exitCode}:{Environment.NewLine}{error[..Math.Min(error.Length, 4000)]}");
        Assert.Matches(@"\(\d+,\d+\): error PO\d{4}: ", error);
        Assert.Contains("error(s)", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Writes many mutated copies of each sample file into one library: prompt versions under new ids (without their
    /// 'id:' line, so they reach the template checks), partials under new names with a prompt that includes each, and
    /// one mutated labels and skills file.
    /// </summary>
    private static void WriteMutatedLibrary(string root, int seed)
    {
        var samples = RepositoryPaths.Prompts;
        void Write(string relative, string text)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text, s_lenientUtf8);
        }

        var partial = File.ReadAllText(Path.Combine(samples, "_partials", "tone-guidelines.liquid"));
        Write("_partials/tone-guidelines.liquid", partial);
        foreach (var file in Directory.EnumerateFiles(samples, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(samples, file).Replace('\\', '/');
            var text = File.ReadAllText(file);
            var mutations = PromptFileMutator.Mutate(text, seed++, MutationsPerFileAndBatch).ToList();
            if (relative is "labels.yaml" or "skills.yaml")
            {
                Write(relative, mutations[0]);
                continue;
            }

            var id = relative.Split('/')[0];
            var withoutId = text.Replace($"id: {id}\n", string.Empty, StringComparison.Ordinal);
            var i = 0;
            foreach (var mutated in PromptFileMutator.Mutate(withoutId, seed++, MutationsPerFileAndBatch))
            {
                Write($"{id}-m{i++}/{Path.GetFileName(relative)}", mutated);
            }
        }

        var n = 0;
        foreach (var mutated in PromptFileMutator.Mutate(partial, seed, MutationsPerFileAndBatch))
        {
            Write($"_partials/p{n}.liquid", mutated);
            Write($"includes-p{n}/1.0.0.yaml", $"inputs:\n  tone: {{ type: string }}\nmessages:\n  - role: system\n    content: \"{{% include 'p{n}' %}}\"\n");
            n++;
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunLintProcessAsync(string root)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "PromptOps.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "exec", cli, "lint", root })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"promptops lint did not finish within {s_timeout.TotalMinutes} minutes over the mutated library: a hang.");
        }

        return (process.ExitCode, await output, await error);
    }
}
