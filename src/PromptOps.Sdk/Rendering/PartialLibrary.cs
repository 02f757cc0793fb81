using System.Text.RegularExpressions;
using DotLiquid;
using DotLiquid.Exceptions;
using DotLiquid.FileSystems;

namespace PromptOps;

/// <summary>A parsed partial from <c>_partials/&lt;name&gt;.liquid</c>.</summary>
/// <remarks><see cref="Compiled"/> is <see langword="null"/> when the partial uses Liquid the compiled path leaves to DotLiquid.</remarks>
internal sealed record LiquidPartial(string Name, string Source, Template? Template, LiquidScan Scan, TemplateSourceMap Map, CompiledTemplate? Compiled);

/// <summary>
/// The partials of one prompt library, parsed once at load. It is also the file system DotLiquid's
/// <c>{% include %}</c> reads from, so includes never touch the disk and can never leave the partials folder.
/// </summary>
/// <remarks>Immutable after load and thread-safe.</remarks>
internal sealed partial class PartialLibrary : ITemplateFileSystem
{
    internal const string Folder = "_partials/";
    internal const string Extension = ".liquid";

    private readonly Dictionary<string, LiquidPartial> _partials;

    private PartialLibrary(Dictionary<string, LiquidPartial> partials) => _partials = partials;

    public static PartialLibrary Empty { get; } = new([]);

    public IEnumerable<string> Names => _partials.Keys.Order(StringComparer.Ordinal);

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_\-]*(/[A-Za-z0-9_][A-Za-z0-9_\-]*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeName();

    /// <summary>Whether an include name stays inside the partials folder (no '..', no rooted or backslash paths).</summary>
    public static bool IsSafeName(string name) => SafeName().IsMatch(name);

    public static PartialLibrary Load(IEnumerable<PromptSourceFile> files, ICollection<PromptDiagnostic> diagnostics)
    {
        var partials = new Dictionary<string, LiquidPartial>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var name = file.RelativePath[Folder.Length..^Extension.Length];
            var partial = FileReadGuard.Run(file, diagnostics, () =>
            {
                var map = TemplateSourceMap.ForWholeFile(file.DisplayPath);
                var scan = LiquidScanner.Scan(file.Content);
                var template = LiquidCompiler.Parse(file.Content, scan, map, diagnostics);
                LiquidCompiler.CheckFilters(file.Content, scan, map, diagnostics);
                return new LiquidPartial(name, file.Content, template, scan, map, template is null ? null : CompiledTemplateParser.TryCompile(file.Content, []));
            });
            if (partial is not null)
            {
                partials[name] = partial;
            }
        }

        return new PartialLibrary(partials);
    }

    public bool TryGet(string name, out LiquidPartial partial) => _partials.TryGetValue(name, out partial!);

    /// <inheritdoc />
    public string ReadTemplateFile(Context context, string templateName) =>
        throw new FileSystemException($"Partials are served pre-parsed; '{templateName}' was requested as text.");

    /// <inheritdoc />
    public Template GetTemplate(Context context, string templateName)
    {
        var name = context[templateName] as string ?? templateName;
        if (!IsSafeName(name))
        {
            throw new FileSystemException($"The partial name '{name}' is not allowed: partials are plain names inside _partials/.");
        }

        return _partials.TryGetValue(name, out var partial) && partial.Template is not null
            ? partial.Template
            : throw new FileSystemException($"The partial '{name}' does not exist in _partials/.");
    }
}
