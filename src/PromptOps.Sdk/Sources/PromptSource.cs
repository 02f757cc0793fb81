using System.Reflection;
using System.Text;

namespace PromptOps;

/// <summary>The files read from one source, plus any problem reading them.</summary>
internal sealed record PromptFileSet(string Name, IReadOnlyList<PromptSourceFile> Files, IReadOnlyList<PromptDiagnostic> Problems);

/// <summary>Where prompt files come from. Registered by the builder, read by the catalog.</summary>
internal abstract class PromptSource
{
    /// <summary>Gets a key that identifies the source, so registering it twice has no effect.</summary>
    public abstract string Key { get; }

    /// <summary>Gets the directory to watch for changes, or <see langword="null"/>.</summary>
    public virtual string? WatchDirectory => null;

    public abstract PromptFileSet Read();

    internal static bool IsLibraryFile(string relativePath) =>
        relativePath.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
        || relativePath.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
        || relativePath.EndsWith(PartialLibrary.Extension, StringComparison.OrdinalIgnoreCase)
        || relativePath.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>A file's path for diagnostics: relative to the working directory when inside it, else absolute.</summary>
    protected static string DisplayPath(string file)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, file);
        return (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? file : relative).Replace('\\', '/');
    }
}

/// <summary>Prompt files embedded in an assembly by the PromptOps.Sdk MSBuild targets.</summary>
internal sealed class EmbeddedPromptSource(Assembly assembly) : PromptSource
{
    internal const string ResourcePrefix = "PromptOps/";

    public override string Key => "embedded:" + assembly.FullName;

    public override PromptFileSet Read()
    {
        var assemblyName = assembly.GetName().Name ?? "assembly";

        // Where the build embedded the files from: on the machine that built it (a developer's, CI), diagnostics name the
        // real file, which an IDE or CI annotation opens; elsewhere, the resource inside the assembly.
        var sourceDirectory = assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "PromptOps.PromptsDirectory")?.Value is { Length: > 0 } built && Directory.Exists(built) ? built : null;
        var files = new List<PromptSourceFile>();
        foreach (var resource in assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            var normalized = resource.Replace('\\', '/');
            if (!normalized.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var relative = normalized[ResourcePrefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var display = sourceDirectory is not null && File.Exists(Path.Combine(sourceDirectory, relative))
                ? DisplayPath(Path.Combine(sourceDirectory, relative))
                : $"{assemblyName}:prompts/{relative}";
            files.Add(new PromptSourceFile(relative, display, reader.ReadToEnd()));
        }

        var problems = files.Count > 0 ? [] : new[]
        {
            new PromptDiagnostic(PromptDiagnosticCodes.SourceNotFound, PromptDiagnosticSeverity.Error,
                $"The assembly '{assemblyName}' has no embedded prompts. Reference the PromptOps.Sdk package (or import its build/PromptOps.Sdk.targets) and keep the prompt files in the project's 'prompts' folder, or set <PromptOpsPromptsDirectory> to their folder."),
        };
        return new PromptFileSet(Key, files, problems);
    }
}

/// <summary>Prompt files in a directory on disk, optionally watched for edits.</summary>
internal sealed class DirectoryPromptSource(string path, bool watch) : PromptSource
{
    private readonly string _fullPath = Path.GetFullPath(path);

    public override string Key => "directory:" + _fullPath;

    public override string? WatchDirectory => watch ? _fullPath : null;

    public string FullPath => _fullPath;

    public override PromptFileSet Read()
    {
        if (!Directory.Exists(_fullPath))
        {
            return new PromptFileSet(Key, [], [new PromptDiagnostic(PromptDiagnosticCodes.SourceNotFound, PromptDiagnosticSeverity.Error,
                $"The prompt directory '{_fullPath}' does not exist. Create it, or pass the right path (relative paths start from the current directory '{Environment.CurrentDirectory}').")]);
        }

        var files = new List<PromptSourceFile>();
        var problems = new List<PromptDiagnostic>();
        foreach (var file in Directory.EnumerateFiles(_fullPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(_fullPath, file).Replace('\\', '/');
            if (!IsLibraryFile(relative) || relative.Split('/').Any(segment => segment is "bin" or "obj" || segment.StartsWith('.')))
            {
                continue;
            }

            var display = DisplayPath(file);
            try
            {
                // A file far over the parser's limit is not read into memory at all (UTF-8 takes at most 4 bytes a character).
                var length = new FileInfo(file).Length;
                if (length > 4L * PromptFileParser.MaxFileLength)
                {
                    problems.Add(new PromptDiagnostic(PromptDiagnosticCodes.YamlTooLarge, PromptDiagnosticSeverity.Error,
                        $"The file is {length:N0} bytes long, far over the limit of {PromptFileParser.MaxFileLength:N0} characters, so it was not read. Split it, or move it out of the prompt directory.", display, 1, 1));
                    continue;
                }

                files.Add(new PromptSourceFile(relative, display, File.ReadAllText(file)));
            }
            catch (IOException ex)
            {
                problems.Add(new PromptDiagnostic(PromptDiagnosticCodes.SourceNotFound, PromptDiagnosticSeverity.Error, $"The file could not be read: {ex.Message.TrimEnd('.')}. Check that no other program holds it open.", display));
            }
            catch (UnauthorizedAccessException ex)
            {
                problems.Add(new PromptDiagnostic(PromptDiagnosticCodes.SourceNotFound, PromptDiagnosticSeverity.Error, $"The file could not be read: {ex.Message.TrimEnd('.')}. Give the process read permission.", display));
            }
        }

        return new PromptFileSet(Key, files, problems);
    }
}
