using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;
using Fluid;

namespace PromptOps;

/// <summary>A partial from <c>_partials/&lt;name&gt;.liquid</c>, parsed once at load (<see cref="Template"/> is <see langword="null"/> when it has errors).</summary>
internal sealed record LiquidPartial(string Name, string Source, IFluidTemplate? Template, LiquidTemplateAnalysis? Analysis, TemplateSourceMap Map);

/// <summary>
/// The partials of one prompt library, parsed once at load. It is also where Fluid's <c>{% include %}</c> finds them: as
/// the file provider it only knows these names (includes never touch the disk and cannot leave the partials folder), and
/// as the template cache it hands out the templates parsed at load.
/// </summary>
/// <remarks>Immutable after load and thread-safe.</remarks>
internal sealed partial class PartialLibrary : ITemplateFileProvider, ITemplateCache
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
                var parsed = LiquidEngine.Parse(file.Content, map, diagnostics);
                return new LiquidPartial(name, file.Content, parsed?.Template, parsed?.Analysis, map);
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
    public ValueTask<TemplateSourceInfo> GetFileInfoAsync(string subpath, TemplateContext context, CancellationToken cancellationToken) =>
        new(Find(subpath) is { } partial
            ? new TemplateSourceInfo(DateTimeOffset.MinValue, _ => new ValueTask<Stream>(new MemoryStream(Encoding.UTF8.GetBytes(partial.Source))), partial.Name)
            : null!);

    /// <inheritdoc />
    public bool TryGetTemplate(string subpath, DateTimeOffset lastModified, [MaybeNullWhen(false)] out IFluidTemplate template)
    {
        template = Find(subpath)?.Template;
        return template is not null;
    }

    /// <inheritdoc />
    public void SetTemplate(string subpath, DateTimeOffset lastModified, IFluidTemplate template)
    {
        // Every partial is parsed at load; nothing is parsed at render time.
    }

    private LiquidPartial? Find(string subpath)
    {
        var name = subpath.EndsWith(Extension, StringComparison.Ordinal) ? subpath[..^Extension.Length] : subpath;
        return IsSafeName(name) && _partials.TryGetValue(name, out var partial) ? partial : null;
    }
}
