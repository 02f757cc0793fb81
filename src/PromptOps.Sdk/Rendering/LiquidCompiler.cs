using System.Reflection;
using DotLiquid;
using DotLiquid.Exceptions;

namespace PromptOps;

/// <summary>Parses Liquid sources with DotLiquid and reports problems as diagnostics mapped into the source file.</summary>
internal static class LiquidCompiler
{
    private static readonly Lazy<HashSet<string>> s_filters = new(() =>
        typeof(StandardFilters).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(method => Template.NamingConvention.GetMemberName(method.Name))
            .ToHashSet(StringComparer.Ordinal));

    /// <summary>Gets the names of the filters templates may use.</summary>
    public static IReadOnlySet<string> KnownFilters => s_filters.Value;

    /// <summary>Parses a template once; the result is made safe to render from many threads at once.</summary>
    public static Template? Parse(string source, LiquidScan scan, TemplateSourceMap map, ICollection<PromptDiagnostic> diagnostics)
    {
        if (scan.Errors.Count > 0)
        {
            foreach (var (message, offset) in scan.Errors)
            {
                Report(diagnostics, PromptDiagnosticCodes.TemplateSyntax, PromptDiagnosticSeverity.Error, message, map, source, offset);
            }

            return null;
        }

        try
        {
            var template = Template.Parse(source);
            template.MakeThreadSafe();
            return template;
        }
        catch (LiquidException ex)
        {
            Report(diagnostics, PromptDiagnosticCodes.TemplateSyntax, PromptDiagnosticSeverity.Error,
                $"The Liquid template has a syntax error: {ex.Message.TrimEnd('.')}. Fix the tag near this position.", map, source, 0);
            return null;
        }
    }

    public static void CheckFilters(string source, LiquidScan scan, TemplateSourceMap map, ICollection<PromptDiagnostic> diagnostics)
    {
        foreach (var (name, offset) in scan.Filters)
        {
            if (!KnownFilters.Contains(name))
            {
                var suggestion = KeySuggester.Nearest(name, KnownFilters);
                var hint = suggestion is null ? "See docs/prompt-files.md for the list of filters." : $"Did you mean '{suggestion}'?";
                Report(diagnostics, PromptDiagnosticCodes.UnknownFilter, PromptDiagnosticSeverity.Error,
                    $"The filter '{name}' does not exist. {hint}", map, source, offset);
            }
        }
    }

    public static void Report(ICollection<PromptDiagnostic> diagnostics, string code, PromptDiagnosticSeverity severity, string message, TemplateSourceMap map, string source, int offset)
    {
        var (line, column) = map.MapOffset(source, offset);
        diagnostics.Add(new PromptDiagnostic(code, severity, message, map.FilePath, line, column));
    }
}
