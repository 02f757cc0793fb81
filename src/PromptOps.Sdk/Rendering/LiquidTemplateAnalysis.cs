using Fluid;
using Fluid.Ast;

// Statement locations are what diagnostics point at (FluidParserOptions.TrackStatementLocations); Fluid marks them for evaluation.
#pragma warning disable FLUID001

namespace PromptOps;

/// <summary>What one parsed Liquid template uses: variables read, names it defines, filters and includes, with offsets.</summary>
/// <remarks>
/// Read from Fluid's own syntax tree (one parse per template), so the checks at load see exactly what renders. Offsets
/// point at the name inside the statement that uses it, for diagnostics with line and column.
/// </remarks>
internal sealed class LiquidTemplateAnalysis
{
    /// <summary>Gets the variables the template reads (the first segment of each member path), where they are read.</summary>
    public List<(string Name, int Offset)> Uses { get; } = [];

    /// <summary>Gets the names the template assigns, captures, counts or loops with.</summary>
    public HashSet<string> Defined { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the filters the template applies, where.</summary>
    public List<(string Name, int Offset)> Filters { get; } = [];

    /// <summary>Gets the partials the template includes or renders.</summary>
    public List<LiquidInclude> Includes { get; } = [];

    public static LiquidTemplateAnalysis Of(IFluidTemplate template, string source)
    {
        var analysis = new LiquidTemplateAnalysis();
        new Walker(analysis, source).VisitTemplate(template);
        return analysis;
    }

    /// <summary>Visits every statement and expression; the statement being visited gives the source span to find names in.</summary>
    private sealed class Walker(LiquidTemplateAnalysis analysis, string source) : AstVisitor
    {
        private Statement? _statement;

        public override Statement Visit(Statement statement)
        {
            if (statement is null)
            {
                return statement!;
            }

            // The names a statement defines for the rest of the template (Liquid's scope is flat).
            if (statement switch
                {
                    AssignStatement assign => assign.Identifier,
                    CaptureStatement capture => capture.Identifier,
                    IncrementStatement increment => increment.Identifier,
                    DecrementStatement decrement => decrement.Identifier,
                    ForStatement loop => loop.Identifier,
                    TableRowStatement table => table.Identifier,
                    _ => null,
                } is { } defined)
            {
                analysis.Defined.Add(defined);
            }

            var outer = _statement;
            _statement = statement;
            try
            {
                return base.Visit(statement);
            }
            finally
            {
                _statement = outer;
            }
        }

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            if (memberExpression.Segments is [IdentifierSegment root, ..])
            {
                analysis.Uses.Add((root.Identifier, Find(root.Identifier)));
            }

            foreach (var segment in memberExpression.Segments)
            {
                if (segment is IndexerSegment indexer)
                {
                    Visit(indexer.Expression);
                }
            }

            return memberExpression;
        }

        protected override Expression VisitFilterExpression(FilterExpression filterExpression)
        {
            analysis.Filters.Add((filterExpression.Name, Find(filterExpression.Name)));
            return base.VisitFilterExpression(filterExpression);
        }

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            Visit(forStatement.Source);
            Visit(forStatement.Limit);
            if (!forStatement.OffsetIsContinue)
            {
                Visit(forStatement.Offset); // 'offset: continue' is a keyword, not a variable
            }

            foreach (var statement in forStatement.Statements)
            {
                Visit(statement);
            }

            Visit(forStatement.Else);
            return forStatement;
        }

        protected override Statement VisitIncludeStatement(IncludeStatement includeStatement)
        {
            // Named arguments are local to the partial: their values are read here, their names bound there.
            foreach (var argument in includeStatement.AssignStatements)
            {
                Visit(argument.Value);
            }

            Visit(includeStatement.With);
            Visit(includeStatement.For);
            var name = includeStatement.Path is LiteralExpression literal ? literal.Value.ToStringValue(s_context) : null;
            AddInclude(name, includeStatement.Alias, includeStatement.With is not null || includeStatement.For is not null, includeStatement.AssignStatements);
            return includeStatement;
        }

        protected override Statement VisitRenderStatement(RenderStatement renderStatement)
        {
            foreach (var argument in renderStatement.AssignStatements)
            {
                Visit(argument.Value);
            }

            Visit(renderStatement.With);
            Visit(renderStatement.For);
            AddInclude(renderStatement.Path, renderStatement.Alias, renderStatement.With is not null || renderStatement.For is not null, renderStatement.AssignStatements);
            return renderStatement;
        }

        private void AddInclude(string? path, string? alias, bool bindsValue, IReadOnlyList<AssignStatement> arguments)
        {
            var name = path is not null && path.EndsWith(PartialLibrary.Extension, StringComparison.Ordinal) ? path[..^PartialLibrary.Extension.Length] : path;
            var bindings = new HashSet<string>(arguments.Select(a => a.Identifier), StringComparer.Ordinal);
            if (bindsValue && name is not null)
            {
                bindings.Add(alias ?? name[(name.LastIndexOf('/') + 1)..]);
            }

            analysis.Includes.Add(new LiquidInclude(name, _statement?.SourceOffset ?? 0, bindings));
        }

        /// <summary>The offset of <paramref name="name"/> as a whole word inside the current statement, else the statement's start.</summary>
        private int Find(string name)
        {
            var start = Math.Clamp(_statement?.SourceOffset ?? 0, 0, source.Length);
            var end = _statement is { SourceLength: > 0 } statement ? Math.Min(source.Length, start + statement.SourceLength) : source.Length;
            for (var at = source.IndexOf(name, start, end - start, StringComparison.Ordinal); at >= 0; at = source.IndexOf(name, at + 1, end - at - 1, StringComparison.Ordinal))
            {
                var before = at == 0 ? ' ' : source[at - 1];
                var after = at + name.Length >= source.Length ? ' ' : source[at + name.Length];
                if (!IsNameChar(before) && !IsNameChar(after))
                {
                    return at;
                }

                if (at + 1 >= end)
                {
                    break;
                }
            }

            return start;
        }

        private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '-';
    }

    // Literal include paths are plain strings; converting them needs no options of the render.
    private static readonly TemplateContext s_context = new();
}

/// <summary>An include (or render) found in a template: the partial's name when it is a literal, where, and the names it binds inside the partial.</summary>
internal sealed record LiquidInclude(string? Name, int Offset, IReadOnlySet<string> Bindings);
