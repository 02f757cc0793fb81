using Fluid;

namespace PromptOps;

/// <summary>
/// Compiles a parsed <see cref="PromptDefinition"/> into a <see cref="PromptTemplate"/>: parses every message once and
/// checks statically that every variable is declared, every filter exists and every include resolves.
/// </summary>
internal static class PromptTemplateCompiler
{
    /// <summary>The deepest chain of includes a message may use (a partial that includes a partial that ...).</summary>
    internal const int MaxIncludeDepth = 100;

    private static readonly HashSet<string> s_builtIns = new(StringComparer.Ordinal) { "forloop", "tablerowloop" };

    /// <param name="definition">The parsed prompt file.</param>
    /// <param name="partials">The partials of the prompt's library.</param>
    /// <param name="limits">The render limits, already copied for this load (shared by every prompt of it).</param>
    /// <param name="diagnostics">Where this prompt's problems are added.</param>
    public static PromptTemplate? Compile(PromptDefinition definition, PartialLibrary partials, PromptRenderLimits limits, ICollection<PromptDiagnostic> diagnostics)
    {
        // This prompt's problems only, so deciding whether it compiled does not rescan the whole library's list.
        var found = new List<PromptDiagnostic>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var checker = new ScopeChecker(definition, partials, found, used);
        var templates = new IFluidTemplate[definition.Messages.Count];
        for (var i = 0; i < definition.Messages.Count; i++)
        {
            var message = definition.Messages[i];
            if (LiquidEngine.Parse(message.Template, message.SourceMap, found) is not var (template, analysis))
            {
                continue;
            }

            var scope = new HashSet<string>(definition.Inputs.Select(input => input.Name), StringComparer.Ordinal);
            scope.UnionWith(analysis.Defined);
            scope.UnionWith(s_builtIns);
            checker.Check(message.Template, analysis, message.SourceMap, scope, [], inPartial: null);
            templates[i] = template;
        }

        foreach (var input in definition.Inputs.Where(input => !used.Contains(input.Name)))
        {
            found.Add(new PromptDiagnostic(PromptDiagnosticCodes.UnusedInput, PromptDiagnosticSeverity.Warning,
                $"The input '{input.Name}' is declared but no message uses it. Use it in a template or remove it from 'inputs'.",
                definition.SourcePath, input.Line, input.Column));
        }

        foreach (var diagnostic in found)
        {
            diagnostics.Add(diagnostic);
        }

        return found.Exists(d => d.IsError) ? null : new PromptTemplate(definition, templates, LiquidEngine.CreateOptions(limits, partials), limits);
    }

    private sealed class ScopeChecker(PromptDefinition definition, PartialLibrary partials, ICollection<PromptDiagnostic> diagnostics, HashSet<string> used)
    {
        // A partial is checked once per set of variables in scope, however often it is included, so a library of
        // partials that each include the next ten times is checked in time linear in its size, not exponential.
        private readonly HashSet<string> _checkedIncludes = new(StringComparer.Ordinal);

        public void Check(string source, LiquidTemplateAnalysis analysis, TemplateSourceMap map, HashSet<string> scope, List<string> includeStack, string? inPartial)
        {
            foreach (var (name, offset) in analysis.Uses)
            {
                used.Add(name);
                if (scope.Contains(name))
                {
                    continue;
                }

                var suggestion = KeySuggester.Nearest(name, definition.Inputs.Select(input => input.Name));
                var hint = suggestion is null
                    ? $"Declare it under 'inputs:' (for example '{name}: {{ type: string, required: true }}') or fix the name."
                    : $"Did you mean '{suggestion}'? Otherwise declare it under 'inputs:'.";
                var where = inPartial is null ? string.Empty : $" (in partial '{inPartial}', included by prompt '{definition.Id}' version {definition.Version})";
                LiquidEngine.Report(diagnostics, PromptDiagnosticCodes.UndeclaredVariable, PromptDiagnosticSeverity.Error,
                    $"The variable '{name}' is used but not declared as an input of prompt '{definition.Id}'{where}. {hint}", map, source, offset);
            }

            foreach (var include in analysis.Includes)
            {
                CheckInclude(source, include, map, scope, includeStack);
            }
        }

        private void CheckInclude(string source, LiquidInclude include, TemplateSourceMap map, HashSet<string> scope, List<string> includeStack)
        {
            void Error(string code, string message) =>
                LiquidEngine.Report(diagnostics, code, PromptDiagnosticSeverity.Error, message, map, source, include.Offset);

            if (include.Name is null)
            {
                Error(PromptDiagnosticCodes.InvalidPartialPath, "An include must name its partial as a quoted literal, for example {% include 'tone' %}, so it can be checked before anything runs.");
                return;
            }

            if (!PartialLibrary.IsSafeName(include.Name))
            {
                Error(PromptDiagnosticCodes.InvalidPartialPath, $"The include '{include.Name}' does not name a partial inside _partials/. Use a plain name such as 'tone' or 'shared/tone', without '..', leading '/' or backslashes.");
                return;
            }

            if (!partials.TryGet(include.Name, out var partial))
            {
                var available = string.Join(", ", partials.Names.Select(n => $"'{n}'"));
                Error(PromptDiagnosticCodes.MissingPartial, $"The partial '{include.Name}' does not exist. Create _partials/{include.Name}{PartialLibrary.Extension}{(available.Length > 0 ? $" or use one of: {available}" : string.Empty)}.");
                return;
            }

            if (includeStack.Contains(include.Name))
            {
                Error(PromptDiagnosticCodes.PartialCycle, $"The partials include each other in a cycle: {string.Join(" -> ", includeStack.Append(include.Name))}. Remove one of the includes.");
                return;
            }

            if (includeStack.Count >= MaxIncludeDepth)
            {
                Error(PromptDiagnosticCodes.PartialCycle, $"The include of '{include.Name}' is nested {includeStack.Count + 1} partials deep ({includeStack[0]} -> ... -> {include.Name}), over the limit of {MaxIncludeDepth}. Merge some of the partials.");
                return;
            }

            if (partial is not { Template: not null, Analysis: { } partialAnalysis })
            {
                Error(PromptDiagnosticCodes.MissingPartial, $"The partial '{include.Name}' has errors and cannot be included. Fix _partials/{include.Name}{PartialLibrary.Extension} first.");
                return;
            }

            var partialScope = new HashSet<string>(scope, StringComparer.Ordinal);
            partialScope.UnionWith(include.Bindings);
            partialScope.UnionWith(partialAnalysis.Defined);
            if (!_checkedIncludes.Add($"{include.Name}\n{string.Join('\n', partialScope.Order(StringComparer.Ordinal))}"))
            {
                return;
            }

            Check(partial.Source, partialAnalysis, partial.Map, partialScope, [.. includeStack, include.Name], include.Name);
        }
    }
}
