using System.Globalization;
using System.Text.Json;

namespace PromptOps.Testing;

/// <summary>
/// A prompt library loaded from a directory for tests: find a prompt by <c>id</c> or <c>id@version</c> and render it with
/// fixture inputs given as an object, a dictionary, or a JSON/YAML file.
/// </summary>
/// <remarks>
/// Loading fails with a <see cref="PromptValidationException"/> that lists every diagnostic when the library has errors, so a
/// broken prompt fails the test that loads it with the file, line and column at fault. Instances are immutable and safe to
/// share between tests (keep one in a static field).
/// </remarks>
/// <example>
/// <code>
/// static readonly PromptTestLibrary Prompts = PromptTestLibrary.FindUpwards("prompts");
///
/// [Fact]
/// public void CustomerSupport_Render_MatchesSnapshot() =>
///     Snapshot.Match(Prompts.Render("customer-support@2.1.0", new { company_name = "Acme", question = "Hi" }).ToSnapshotText());
/// </code>
/// </example>
public sealed class PromptTestLibrary
{
    private PromptTestLibrary(string directory, PromptLibrary library)
    {
        Directory = directory;
        Library = library;
    }

    /// <summary>Gets the full path of the library's root directory.</summary>
    public string Directory { get; }

    /// <summary>Gets the loaded library (every version, its diagnostics and labels).</summary>
    public PromptLibrary Library { get; }

    /// <summary>Gets every prompt version in the library, drafts included, ordered by id then version.</summary>
    public IReadOnlyList<PromptTemplate> Versions => Library.Prompts;

    /// <summary>Loads the prompt library in <paramref name="directory"/>.</summary>
    /// <param name="directory">The library root: it holds <c>&lt;id&gt;/&lt;version&gt;.yaml</c> and <c>_partials/</c>.</param>
    /// <returns>The loaded library.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="PromptValidationException">A prompt, partial, label or lock entry has an error; the exception lists them all.</exception>
    public static PromptTestLibrary Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"The prompt directory '{full}' does not exist. Pass the folder that holds <id>/<version>.yaml, for example the repository's 'prompts' folder.");
        }

        var library = PromptLibrary.LoadDirectory(full);
        if (library.HasErrors)
        {
            throw new PromptValidationException([.. library.Diagnostics.Where(d => d.IsError)]);
        }

        return new PromptTestLibrary(full, library);
    }

    /// <summary>
    /// Loads the library in the first folder named <paramref name="relativePath"/> found from the test binaries' folder upwards,
    /// so a test project finds the repository's <c>prompts/</c> without a hard-coded path.
    /// </summary>
    /// <param name="relativePath">The folder to look for, relative to each ancestor of <see cref="AppContext.BaseDirectory"/>.</param>
    /// <returns>The loaded library.</returns>
    /// <exception cref="DirectoryNotFoundException">No ancestor folder holds <paramref name="relativePath"/>.</exception>
    /// <exception cref="PromptValidationException">The library has errors.</exception>
    public static PromptTestLibrary FindUpwards(string relativePath = "prompts")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relativePath);
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relativePath);
            if (System.IO.Directory.Exists(candidate))
            {
                return Load(candidate);
            }
        }

        throw new DirectoryNotFoundException($"No folder '{relativePath}' was found in '{AppContext.BaseDirectory}' or any folder above it. Pass the path to Load(...) instead.");
    }

    /// <summary>Finds a prompt version.</summary>
    /// <param name="reference"><c>id@version</c> for an exact version (drafts included), or <c>id</c> for the highest published one.</param>
    /// <returns>The prompt version.</returns>
    /// <exception cref="PromptNotFoundException">No such prompt or version; the message lists what exists.</exception>
    public PromptTemplate Get(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        if (!PromptReference.TrySplit(reference, out var id, out var version, out var error))
        {
            throw new ArgumentException(error, nameof(reference));
        }

        return (version is null ? Library.FindDefault(id, allowDrafts: false) : Library.FindVersion(id, version))
            ?? throw PromptNotFoundException.For(Library, id, version);
    }

    /// <summary>Renders a prompt with inputs given as an anonymous object, a POCO, a dictionary or a <see cref="JsonElement"/>.</summary>
    /// <param name="reference"><c>id@version</c> or <c>id</c>, as for <see cref="Get"/>.</param>
    /// <param name="inputs">The input values, or <see langword="null"/> for none.</param>
    /// <returns>The rendered prompt.</returns>
    /// <exception cref="PromptRenderException">An input is missing, of the wrong type or too long.</exception>
    public RenderedPrompt Render(string reference, object? inputs = null) => Get(reference).Render(inputs);

    /// <summary>Renders a prompt with inputs read from a JSON (<c>.json</c>) or YAML file holding one object of input names and values.</summary>
    /// <param name="reference"><c>id@version</c> or <c>id</c>, as for <see cref="Get"/>.</param>
    /// <param name="inputsFile">The fixture file; a relative path is resolved from the current directory.</param>
    /// <returns>The rendered prompt.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a JSON object or YAML mapping; the message names the file and position.</exception>
    public RenderedPrompt RenderFromFile(string reference, string inputsFile) => Get(reference).Render(FixtureFiles.ReadInputs(inputsFile));
}

/// <summary>Reads fixture input files (JSON or YAML) into input dictionaries.</summary>
internal static class FixtureFiles
{
    public static IReadOnlyDictionary<string, object?> ReadInputs(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The inputs file '{full}' does not exist.", full);
        }

        var text = File.ReadAllText(full);
        if (Path.GetExtension(full).Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.ValueKind == JsonValueKind.Object
                    ? document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => JsonValues.ToClr(p.Value), StringComparer.Ordinal)
                    : throw new InvalidDataException($"{full}: an inputs file must hold one JSON object of input names and values, for example {{\"question\": \"...\"}}.");
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{full}({(ex.LineNumber ?? 0) + 1},{(ex.BytePositionInLine ?? 0) + 1}): the inputs file is not valid JSON: {ex.Message}", ex);
            }
        }

        var stream = YamlDocumentLoader.Load(text, out var problem)
            ?? throw new InvalidDataException($"{full}({problem!.Line},{problem.Column}): the inputs file is not valid YAML: {problem.Reason}.");
        return stream.Documents.Count == 0
            ? new Dictionary<string, object?>()
            : YamlValues.ToClr(stream.Documents[0].RootNode) as Dictionary<string, object?>
                ?? throw new InvalidDataException($"{full}: an inputs file must hold one YAML mapping of input names and values, for example 'question: ...'.");
    }
}

/// <summary>Converts JSON values to the plain CLR values prompts render (string, long, double, bool, null, lists, dictionaries).</summary>
internal static class JsonValues
{
    public static object? ToClr(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToClr(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => element.EnumerateArray().Select(ToClr).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var integer) ? integer : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>The text a value is compared as: strings as they are, everything else as compact invariant JSON.</summary>
    public static string ToText(object? value) => value switch
    {
        null => "null",
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => JsonSerializer.Serialize(value, JsonValueText.Options),
    };
}
