using System.Globalization;
using System.Text.RegularExpressions;
using Fluid;
using Fluid.Values;

namespace PromptOps;

/// <summary>
/// Fluid, set up once for every prompt: one shared parser, templates parsed once at load and checked on Fluid's own syntax
/// tree, and render options that carry the safety limits and the library's partials.
/// </summary>
/// <remarks>The parser and the options are immutable and shared by every render; each render gets a new context.</remarks>
internal static partial class LiquidEngine
{
#pragma warning disable FLUID001 // Statement locations are what diagnostics point at; the option is marked for evaluation.
    private static readonly FluidParser s_parser = new(new FluidParserOptions { TrackStatementLocations = true, AllowFunctions = false, AllowLiquidTag = true });
#pragma warning restore FLUID001

    private static readonly TemplateOptions s_defaults = new TemplateOptionsBuilder().Build();

    /// <summary>Gets whether a filter of this name exists.</summary>
    public static bool IsFilter(string name) => s_defaults.Filters.TryGetValue(name, out _);

    /// <summary>Gets the names of the filters templates may use (for suggestions).</summary>
    public static IEnumerable<string> FilterNames => s_defaults.Filters.Select(filter => filter.Key);

    /// <summary>Parses a template once and checks its filters; problems become diagnostics mapped into the source file.</summary>
    /// <returns>The template and what it uses, or <see langword="null"/> when it does not parse.</returns>
    public static (IFluidTemplate Template, LiquidTemplateAnalysis Analysis)? Parse(string source, TemplateSourceMap map, ICollection<PromptDiagnostic> diagnostics)
    {
        IFluidTemplate template;
        try
        {
            template = s_parser.Parse(source);
        }
        catch (ParseException ex)
        {
            var (message, offset) = Explain(ex, source);
            Report(diagnostics, PromptDiagnosticCodes.TemplateSyntax, PromptDiagnosticSeverity.Error, message, map, source, offset);
            return null;
        }

        var analysis = LiquidTemplateAnalysis.Of(template, source);
        foreach (var (name, offset) in analysis.Filters)
        {
            if (!IsFilter(name))
            {
                var suggestion = KeySuggester.Nearest(name, FilterNames);
                var hint = suggestion is null ? "See docs/prompt-files.md for the list of filters." : $"Did you mean '{suggestion}'?";
                Report(diagnostics, PromptDiagnosticCodes.UnknownFilter, PromptDiagnosticSeverity.Error, $"The filter '{name}' does not exist. {hint}", map, source, offset);
            }
        }

        return (template, analysis);
    }

    /// <summary>
    /// Says what a parse error means and where the user should look: Fluid reports an unclosed block or output where it
    /// expected the end (often the end of the message), so those point back at the tag that opened it.
    /// </summary>
    private static (string Message, int Offset) Explain(ParseException ex, string source)
    {
        var text = ex.Message.Split('\n')[0];
        var cut = text.IndexOf(" at (", StringComparison.Ordinal);
        text = (cut > 0 ? text[..cut] : text).TrimEnd('.');
        var offset = Math.Clamp(ex.Position?.Offset ?? 0, 0, source.Length);
        if (UnclosedBlock().Match(text) is { Success: true } block)
        {
            var name = block.Groups[1].Value;
            var opening = LastMatch(source, offset, $@"\{{%-?\s*{name}\b");
            return ($"The '{name}' block is never closed. Add '{{% end{name} %}}' where it should end.", opening ?? offset);
        }

        if (text.StartsWith("End of tag '}}' was expected", StringComparison.Ordinal))
        {
            return ("The output '{{' is never closed. Add '}}' after the expression.", LastMatch(source, offset, @"\{\{") ?? offset);
        }

        var tagStart = LastMatch(source, offset, @"\{%") ?? offset;
        if (UnknownTag().Match(text) is { Success: true } tag)
        {
            var name = tag.Groups[1].Value;
            return name is "else" or "elsif" or "when" || name.StartsWith("end", StringComparison.Ordinal)
                ? ($"The tag '{name}' has no matching opening tag: it is outside of any block it can close or continue. Remove it or add the opening tag.", tagStart)
                : ($"'{name}' is not a Liquid tag. Use one of the standard tags listed in docs/prompt-files.md, or write '{{{{ {name} }}}}' to output a variable.", tagStart);
        }

        if (text.Contains("expected after the '|'", StringComparison.Ordinal))
        {
            return ("A '|' is not followed by a filter name. Add the filter (for example '| upcase') or remove the '|'.", offset);
        }

        return ($"The Liquid template has a syntax error: {text}. Fix the tag at this position.", offset);
    }

    private static int? LastMatch(string source, int before, string pattern)
    {
        int? last = null;
        foreach (Match match in Regex.Matches(source[..Math.Min(source.Length, before + 1)], pattern, RegexOptions.CultureInvariant))
        {
            last = match.Index;
        }

        return last;
    }

    [GeneratedRegex(@"^'\{% end(\w+) %\}' was expected", RegexOptions.CultureInvariant)]
    private static partial Regex UnclosedBlock();

    [GeneratedRegex(@"^Unknown tag '([^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex UnknownTag();

    /// <summary>Builds the options every render of one library uses: its limits, its partials, invariant culture.</summary>
    public static TemplateOptions CreateOptions(PromptRenderLimits limits, PartialLibrary partials)
    {
        // Values built with assign or capture count against the output limit too, so a doubling loop stops early.
        ValueTask<FluidValue> Bounded(string identifier, FluidValue value, TemplateContext context)
        {
            if (value is StringValue && value.ToStringValue(context).Length > limits.MaxOutputLength)
            {
                throw new RenderLimitException(RenderLimit.OutputLength);
            }

            return new ValueTask<FluidValue>(value);
        }

        return new TemplateOptionsBuilder()
            .WithCultureInfo(CultureInfo.InvariantCulture)
            .WithTimeZone(TimeZoneInfo.Utc)
            .WithFileProvider(partials)
            .WithTemplateCache(partials)
            .WithDefaultFileExtension(PartialLibrary.Extension)
            .WithMaxSteps(limits.MaxSteps)
            .WithMaxCollectionSize(limits.MaxSteps)
            .WithMaxOutputSize(limits.MaxOutputLength)
            .WithMaxRecursion(PromptTemplateCompiler.MaxIncludeDepth)
            .WithAssigned(Bounded)
            .WithCaptured(Bounded)
            .Build();
    }

    public static void Report(ICollection<PromptDiagnostic> diagnostics, string code, PromptDiagnosticSeverity severity, string message, TemplateSourceMap map, string source, int offset)
    {
        var (line, column) = map.MapOffset(source, Math.Clamp(offset, 0, source.Length));
        diagnostics.Add(new PromptDiagnostic(code, severity, message, map.FilePath, line, column));
    }
}

/// <summary>Which render limit a template reached.</summary>
internal enum RenderLimit
{
    Steps,
    OutputLength,
    IncludeDepth,
    Timeout,
}

/// <summary>Thrown inside a render when a limit is reached; <see cref="PromptTemplate"/> turns it into a <see cref="PromptRenderException"/>.</summary>
internal sealed class RenderLimitException(RenderLimit limit) : Exception($"The render reached its {limit} limit.")
{
    public RenderLimit Limit { get; } = limit;
}
