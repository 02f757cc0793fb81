namespace PromptOps.Tests;

/// <summary>Paths inside this repository, found from the test binaries' folder (linked into every test project).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The sample prompt library, <c>prompts/</c>.</summary>
    public static string Prompts => Path.Combine(Root, "prompts");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PromptOps.Sdk.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Run the tests from inside the repository.");
    }
}
