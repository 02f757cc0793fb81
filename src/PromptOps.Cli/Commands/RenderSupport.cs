using System.Diagnostics.CodeAnalysis;

namespace PromptOps.Cli.Commands;

/// <summary>What the verbs that render a prompt share: load the library, find id[@version], read the input file, render.</summary>
internal static class RenderSupport
{
    /// <summary>Renders a prompt; on failure writes the reason to <paramref name="error"/> and returns <see langword="false"/>.</summary>
    /// <remarks>
    /// With a <c>label</c> (an environment name) the version is the one that environment's label serves, as the catalog would
    /// choose it; <c>user</c> picks the variant of a split label.
    /// </remarks>
    public static bool TryRender(string directoryOption, string reference, FileInfo? inputFile, TextWriter error, [NotNullWhen(true)] out RenderedPrompt? rendered, [NotNullWhen(true)] out PromptTemplate? prompt, string? label = null, string? user = null)
    {
        rendered = null;
        prompt = null;
        var directory = PromptOpsCli.RequireDirectory(directoryOption);
        var (id, version) = SplitReference(reference);
        if (label is not null && version is not null)
        {
            throw new CliUsageException($"Ask for either an exact version ('{reference}') or a label (--label {label}), not both.");
        }

        var inputs = inputFile is null ? new Dictionary<string, object?>() : ReadInputs(inputFile);

        var library = PromptLibrary.LoadDirectory(directory);
        if (library.HasErrors)
        {
            foreach (var diagnostic in library.Diagnostics.Where(d => d.IsError))
            {
                error.WriteLine(diagnostic);
            }

            error.WriteLine("The prompt library has errors; fix them first ('promptops lint' lists them all).");
            return false;
        }

        prompt = version is not null ? library.FindVersion(id, version)
            : label is not null ? ServedVersions.Build(library, new PromptOpsOptions { Environment = label }, null, []).Find(id, user) ?? library.FindDefault(id, allowDrafts: false)
            : library.FindDefault(id, allowDrafts: false);
        if (prompt is null)
        {
            error.WriteLine($"error: {PromptNotFoundException.For(library, id, version).Message}");
            return false;
        }

        try
        {
            rendered = prompt.Render(inputs);
            return true;
        }
        catch (PromptRenderException ex)
        {
            error.WriteLine($"error {ex.Code}: {ex.Message}");
            return false;
        }
    }

    private static (string Id, string? Version) SplitReference(string reference) =>
        PromptReference.TrySplit(reference, out var id, out var version, out var error) ? (id, version) : throw new CliUsageException(error);

    /// <summary>Reads the input file through the testing package's fixture reader; its problems are usage errors (exit 2).</summary>
    private static IReadOnlyDictionary<string, object?> ReadInputs(FileInfo file)
    {
        try
        {
            return PromptOps.Testing.FixtureFiles.ReadInputs(file.FullName);
        }
        catch (FileNotFoundException)
        {
            throw new CliUsageException($"The input file '{file.FullName}' does not exist. Pass a JSON or YAML file with --input.");
        }
        catch (InvalidDataException ex)
        {
            throw new CliUsageException(ex.Message);
        }
    }
}
