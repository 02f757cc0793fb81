namespace PromptOps.Tests.TestSupport;

/// <summary>A prompt library in a fresh temporary directory, deleted on dispose.</summary>
internal sealed class TempPromptLibrary : IDisposable
{
    public TempPromptLibrary() => Root = Directory.CreateTempSubdirectory("promptops-tests-").FullName;

    public string Root { get; }

    public TempPromptLibrary With(string relativePath, string content)
    {
        Write(relativePath, content);
        return this;
    }

    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content.ReplaceLineEndings("\n"));
        return path;
    }

    /// <summary>Writes prompts.lock.json for every published version now in the directory, as 'promptops lock' does.</summary>
    public TempPromptLibrary Locked()
    {
        var promptLock = new PromptLock();
        foreach (var prompt in Load().Prompts.Where(p => p.Status != PromptStatus.Draft))
        {
            promptLock.Set(prompt.Id, prompt.Version.ToString(), PromptLock.ComputeHash(File.ReadAllText(Path.Combine(Root, prompt.Id, prompt.Version + ".yaml"))));
        }

        return With(PromptLock.FileName, promptLock.ToJson());
    }

    public PromptLibrary Load(PromptRenderLimits? limits = null) => PromptLibrary.LoadDirectory(Root, limits);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A watcher may still hold the directory for a moment; the OS cleans temp files.
        }
    }

    /// <summary>A small valid prompt file; tests change one thing at a time from it.</summary>
    public static string ValidPrompt(string id = "greeting", string version = "1.0.0", string status = "published", string body = "Hello {{ name }}!") => $$"""
        id: {{id}}
        version: {{version}}
        status: {{status}}
        inputs:
          name: { type: string, required: true }
        messages:
          - role: system
            content: You greet people.
          - role: user
            content: "{{body}}"
        """;
}
