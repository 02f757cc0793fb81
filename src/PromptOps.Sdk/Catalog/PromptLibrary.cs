using System.Reflection;

namespace PromptOps;

/// <summary>
/// A loaded prompt library: every compiled prompt version from one or more sources, and every diagnostic found
/// while loading them. The catalog serves from a library; tools and tests can load one directly.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class PromptLibrary
{
    private readonly Dictionary<string, PromptTemplate[]> _byId;

    internal PromptLibrary(IEnumerable<PromptTemplate> prompts, IReadOnlyList<PromptDiagnostic> diagnostics, IReadOnlyList<PromptLabel>? labels = null)
    {
        Labels = labels ?? [];
        _byId = prompts
            .GroupBy(p => p.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(p => p.Version).ToArray(), StringComparer.Ordinal);
        Prompts = [.. _byId.OrderBy(pair => pair.Key, StringComparer.Ordinal).SelectMany(pair => pair.Value)];
        Diagnostics = diagnostics;
    }

    /// <summary>Gets every loaded prompt version, ordered by id and then by version.</summary>
    public IReadOnlyList<PromptTemplate> Prompts { get; }

    /// <summary>Gets every problem found while loading, ordered by file, line and column.</summary>
    public IReadOnlyList<PromptDiagnostic> Diagnostics { get; }

    /// <summary>Gets the labels of <c>labels.yaml</c>: which version each environment serves. Configuration may override them at run time.</summary>
    public IReadOnlyList<PromptLabel> Labels { get; }

    /// <summary>The labels of <c>labels.yaml</c> for one environment (environment names ignore case).</summary>
    internal IEnumerable<PromptLabel> LabelsOf(string environment) =>
        Labels.Where(l => string.Equals(l.Environment, environment, StringComparison.OrdinalIgnoreCase));

    /// <summary>The label of <c>labels.yaml</c> for one prompt in one environment, or <see langword="null"/>.</summary>
    internal PromptLabel? FindLabel(string environment, string id) => LabelsOf(environment).FirstOrDefault(l => l.PromptId == id);

    /// <summary>Gets a value indicating whether any diagnostic is an error.</summary>
    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    /// <summary>Gets the ids of all loaded prompts, in order.</summary>
    public IEnumerable<string> Ids => _byId.Keys.Order(StringComparer.Ordinal);

    /// <summary>Loads, validates and compiles every prompt file and partial under a directory.</summary>
    /// <param name="path">The library root (it holds <c>&lt;id&gt;/&lt;version&gt;.yaml</c> and <c>_partials/</c>).</param>
    /// <param name="limits">The render limits, or <see langword="null"/> for the defaults.</param>
    /// <returns>The library; check <see cref="HasErrors"/> and <see cref="Diagnostics"/>. It never throws for bad files.</returns>
    public static PromptLibrary LoadDirectory(string path, PromptRenderLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return PromptLibraryLoader.Load([new DirectoryPromptSource(path, watch: false).Read()], limits ?? new PromptRenderLimits());
    }

    /// <summary>Loads, validates and compiles the prompts embedded in an assembly by the PromptOps.Sdk build targets.</summary>
    /// <param name="assembly">The assembly that embeds the prompts.</param>
    /// <param name="limits">The render limits, or <see langword="null"/> for the defaults.</param>
    /// <returns>The library; check <see cref="HasErrors"/> and <see cref="Diagnostics"/>. It never throws for bad files.</returns>
    public static PromptLibrary LoadEmbedded(Assembly assembly, PromptRenderLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return PromptLibraryLoader.Load([new EmbeddedPromptSource(assembly).Read()], limits ?? new PromptRenderLimits());
    }

    /// <summary>Gets every loaded version of a prompt, lowest first.</summary>
    /// <param name="id">The prompt id.</param>
    /// <returns>The versions, or an empty list when the prompt does not exist.</returns>
    public IReadOnlyList<PromptTemplate> GetVersions(string id) =>
        _byId.TryGetValue(id, out var versions) ? versions : [];

    /// <summary>Finds one exact version of a prompt, whatever its status.</summary>
    /// <param name="id">The prompt id.</param>
    /// <param name="version">The exact version text, for example <c>2.1.0</c>.</param>
    /// <returns>The version, or <see langword="null"/>.</returns>
    public PromptTemplate? FindVersion(string id, string version) =>
        PromptVersion.TryParse(version, out var parsed) ? GetVersions(id).FirstOrDefault(p => p.Version == parsed) : null;

    /// <summary>Finds the version served when no version is asked for: the highest published one.</summary>
    /// <param name="id">The prompt id.</param>
    /// <param name="allowDrafts">Whether a draft higher than every published version may be served.</param>
    /// <returns>The version, or <see langword="null"/> when there is none to serve.</returns>
    public PromptTemplate? FindDefault(string id, bool allowDrafts) =>
        GetVersions(id).LastOrDefault(p => p.Status == PromptStatus.Published || (allowDrafts && p.Status == PromptStatus.Draft));

    /// <summary>
    /// Builds a library from this one for a live reload: files that now have errors keep serving their previous good
    /// version instead of disappearing.
    /// </summary>
    internal PromptLibrary KeepLastGood(PromptLibrary previous)
    {
        var failedFiles = Diagnostics.Where(d => d.IsError && d.FilePath is not null).Select(d => d.FilePath!).ToHashSet(StringComparer.Ordinal);
        var kept = previous.Prompts.Where(old =>
            failedFiles.Contains(old.Definition.SourcePath) && FindVersion(old.Id, old.Version.ToString()) is null);
        var labels = failedFiles.Any(f => f.EndsWith(LabelsFileParser.FileName, StringComparison.Ordinal)) ? previous.Labels : Labels;
        return new PromptLibrary(Prompts.Concat(kept), Diagnostics, labels);
    }
}
