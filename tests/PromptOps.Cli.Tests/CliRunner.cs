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

    public static string RepositoryPrompts()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PromptOps.Sdk.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Run the tests inside the repository."), "prompts");
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
