namespace PromptOps.Cli.Tests;

/// <summary>Runs the promptops command line in-process and captures what it prints.</summary>
internal sealed class CliRunner : IDisposable
{
    public CliRunner() => Root = Directory.CreateTempSubdirectory("promptops-cli-").FullName;

    public string Root { get; }

    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content.ReplaceLineEndings("\n"));
        return path;
    }

    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = PromptOpsCli.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Copies the repository's prompt library into this runner's directory and returns the copy's path.</summary>
    public string CopyRepositoryPrompts()
    {
        var target = Path.Combine(Root, "prompts");
        foreach (var file in Directory.EnumerateFiles(RepositoryPrompts(), "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(RepositoryPrompts(), file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    public static string RepositoryPrompts() => PromptOps.Tests.RepositoryPaths.Prompts;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
