using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PromptOps.Tests.Generators;

/// <summary>The build-time check as build/PromptOps.Sdk.targets runs it: its output lines, exit code and warnings policy.</summary>
public sealed partial class BuildCheckTests : IDisposable
{
    private readonly string _library = Directory.CreateTempSubdirectory("promptops-build-check-").FullName;

    [Fact]
    public void Check_LibraryWithDozensOfErrors_ReportsEveryOneAtItsLineAndFails()
    {
        for (var i = 0; i < 30; i++)
        {
            Write($"p{i}/1.0.0.yaml", Prompt($"p{i}", "content: \"Hi {{ nmae }} {{ name | shout }}\""));
        }

        var (exit, lines) = Check();

        Assert.Equal(1, exit);
        Assert.All(lines, line => Assert.Matches(CanonicalLine(), line));
        for (var i = 0; i < 30; i++)
        {
            Assert.Contains(lines, l => l.StartsWith(Path.Combine(_library, $"p{i}", "1.0.0.yaml"), StringComparison.Ordinal) && l.Contains("(10,21): error PO1102:", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith(Path.Combine(_library, $"p{i}", "1.0.0.yaml"), StringComparison.Ordinal) && l.Contains(": error PO1103:", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(new string[0], "warning PO1202")]
    [InlineData(new[] { "--warnaserror=true" }, "error PO1202")]
    [InlineData(new[] { "--warnaserror=true", "--warnnotaserror-codes=CS0168;PO1202" }, "warning PO1202")]
    [InlineData(new[] { "--warnaserror-codes=PO1202" }, "error PO1202")]
    [InlineData(new[] { "--nowarn=1701,PO1202" }, null)]
    public void Check_WarningsPolicy_FollowsTheProjectsSettings(string[] settings, string? expected)
    {
        Write("greeting/1.0.0.yaml", Prompt("greeting", "content: Hello {{ name }}"));

        var (exit, lines) = Check(settings);

        var line = lines.SingleOrDefault(l => l.Contains("PO1202", StringComparison.Ordinal));
        Assert.Equal(expected, line is null ? null : Regex.Match(line, "(error|warning) PO1202").Value);
        Assert.Equal(expected?.StartsWith("error", StringComparison.Ordinal) == true ? 1 : 0, exit);
    }

    [Fact]
    public void Check_FolderThatDoesNotExist_IsAnErrorNamingIt()
    {
        var missing = Path.Combine(_library, "nope");

        var (exit, lines) = Check(folder: missing);

        Assert.Equal(1, exit);
        Assert.StartsWith($"{missing}: error PO1607: The prompt library folder does not exist.", Assert.Single(lines), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_YamlThatIsNotAPrompt_IsReportedNotCrashedOn()
    {
        Write("notes/1.0.0.yaml", "- just\n- a list\n");
        Write("binary/1.0.0.yaml", "\u0000\u0001\u0002 id: [");

        var (exit, lines) = Check();

        Assert.Equal(1, exit);
        Assert.All(lines, line => Assert.Matches(CanonicalLine(), line));
        Assert.Contains(lines, l => l.Contains("notes", StringComparison.Ordinal) && l.Contains(": error PO", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("PO1698", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_library, recursive: true);

    private static string Prompt(string id, string content) => $"""
        id: {id}
        version: 1.0.0
        status: published
        model: {"{"} id: gpt-4o-mini {"}"}
        inputs:
          name: {"{"} type: string, required: true {"}"}
        messages:
          - role: user
            # the message
            {content}
        """;

    private void Write(string path, string text)
    {
        var full = Path.Combine(_library, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private (int Exit, List<string> Lines) Check(string[]? settings = null, string? folder = null)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var tool = Path.Combine(RepositoryPaths.Root, "src", "PromptOps.Sdk.BuildCheck", "bin", configuration, "net10.0", "PromptOps.Sdk.BuildCheck.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["exec", tool, folder ?? _library, .. settings ?? []])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(error.Length == 0, error);
        return (process.ExitCode, [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
    }

    /// <summary>file(line,col): error|warning POxxxx: message, or file: ... without a position.</summary>
    [GeneratedRegex(@"^.+?(\(\d+,\d+\))?: (error|warning) PO\d{4}: .+$")]
    private static partial Regex CanonicalLine();
}
