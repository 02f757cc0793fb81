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

    public static string RepositoryPrompts() => PromptOps.Tests.RepositoryPaths.Prompts;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
