using System.Globalization;

namespace PromptOps;

/// <summary>
/// Compiles a Liquid template into a <see cref="CompiledTemplate"/> when every part of it is one the compiled path
/// renders exactly as DotLiquid does; otherwise returns <see langword="null"/> and the template stays with DotLiquid.
/// The template has already passed <see cref="LiquidScanner"/> and DotLiquid's parser, so this never reports errors.
/// </summary>
/// <remarks>
/// Identifiers (variables, loop names, members) are interned: a loop variable and the paths that read it are then the same
/// string, and so are a member name and the literal key of a caller's dictionary, so a render compares them by reference
/// instead of character by character. Prompt files are a bounded set, so the intern pool stays small.
/// </remarks>
internal sealed class CompiledTemplateParser
{
    private readonly IReadOnlyList<string> _inputNames;

    private CompiledTemplateParser(IReadOnlyList<string> inputNames) => _inputNames = inputNames;

    /// <param name="source">The template text.</param>
    /// <param name="inputNames">
    /// The prompt's input names in declaration order, so variable paths read inputs by position; empty for a partial,
    /// which is shared by prompts with different inputs and looks them up by name.
    /// </param>
    public static CompiledTemplate? TryCompile(string source, IReadOnlyList<string> inputNames)
    {
        var tokens = Tokenize(source);
        if (tokens is null)
        {
            return null;
        }

        var index = 0;
        var nodes = new CompiledTemplateParser(inputNames).ParseNodes(tokens, ref index, [], out var stop);
        return nodes is null || stop is not null || index != tokens.Count ? null : new CompiledTemplate(nodes);
    }

    private enum TokenKind
    {
        Text,
        Output,
        Tag,
    }

    private sealed record Token(TokenKind Kind, string Text, string Name = "");

    /// <summary>Splits the template into text, output and tag tokens.</summary>
    private static List<Token>? Tokenize(string source)
    {
        var tokens = new List<Token>();
        var position = 0;
        while (position < source.Length)
        {
            var found = LiquidMarkup.Find(source, position);
            AddText(tokens, source[position..(found?.Open ?? source.Length)]);
            if (found is not { } markup)
            {
                break;
            }

            // Whitespace control ({%- -%}) trims by DotLiquid's own rules, which differ between tags and outputs.
            if (markup.End < 0 || markup.TrimsBefore || markup.TrimsAfter)
            {
                return null;
            }

            var text = source[markup.Start..markup.End].Trim();
            position = markup.Next;
            if (markup.IsOutput)
            {
                tokens.Add(new Token(TokenKind.Output, text));
                continue;
            }

            var nameLength = 0;
            while (nameLength < text.Length && char.IsAsciiLetter(text[nameLength]))
            {
                nameLength++;
            }

            tokens.Add(new Token(TokenKind.Tag, text[nameLength..].Trim(), text[..nameLength]));
        }

        return tokens;
    }

    private static void AddText(List<Token> tokens, string text)
    {
        if (text.Length > 0)
        {
            tokens.Add(new Token(TokenKind.Text, text));
        }
    }

    /// <summary>Parses nodes until one of <paramref name="stops"/> (returned in <paramref name="stop"/>) or the end.</summary>
    private LiquidNode[]? ParseNodes(List<Token> tokens, ref int index, string[] stops, out Token? stop)
    {
        var nodes = new List<LiquidNode>();
        stop = null;
        while (index < tokens.Count)
        {
            var token = tokens[index++];
            switch (token.Kind)
            {
                case TokenKind.Text:
                    nodes.Add(new TextNode(token.Text));
                    continue;
                case TokenKind.Output:
                    var output = ParseValue(token.Text);
                    if (output is null)
                    {
                        return null;
                    }

                    nodes.Add(new OutputNode(output));
                    continue;
            }

            if (Array.IndexOf(stops, token.Name) >= 0)
            {
                stop = token;
                return [.. nodes];
            }

            if (token.Name == "comment")
            {
                if (!SkipComment(tokens, ref index))
                {
                    return null;
                }

                continue;
            }

            LiquidNode? node = token.Name switch
            {
                "if" => ParseIf(tokens, ref index, token, negateFirst: false),
                "unless" => ParseIf(tokens, ref index, token, negateFirst: true),
                "for" => ParseFor(tokens, ref index, token),
                "assign" => ParseAssign(token),
                "include" => ParseInclude(token),
                _ => null,
            };
            if (node is null)
            {
                return null;
            }

            nodes.Add(node);
        }

        return [.. nodes];
    }

    private IfNode? ParseIf(List<Token> tokens, ref int index, Token open, bool negateFirst)
    {
        var end = negateFirst ? "endunless" : "endif";
        var branches = new List<(LiquidCondition, LiquidNode[])>();
        var condition = ParseCondition(open.Text);
        if (condition is null)
        {
            return null;
        }

        if (negateFirst)
        {
            condition = new NotCondition(condition);
        }

        while (true)
        {
            var body = ParseNodes(tokens, ref index, ["elsif", "else", end], out var stop);
            if (body is null || stop is null)
            {
                return null;
            }

            branches.Add((condition, body));
            if (stop.Name == end)
            {
                return new IfNode([.. branches], null);
            }

            if (stop.Name == "else")
            {
                var otherwise = ParseNodes(tokens, ref index, [end], out var last);
                return otherwise is null || last is null || stop.Text.Length > 0 ? null : new IfNode([.. branches], otherwise);
            }

            condition = ParseCondition(stop.Text);
            if (condition is null)
            {
                return null;
            }
        }
    }

    private ForNode? ParseFor(List<Token> tokens, ref int index, Token open)
    {
        var lexer = new MarkupLexer(open.Text);
        if (lexer.NextIdentifier() is not { } variable || lexer.NextIdentifier() != "in")
        {
            return null;
        }

        LiquidExpression? collection = null, from = null, to = null;
        if (lexer.TryTake("("))
        {
            from = ParsePrimary(ref lexer);
            to = lexer.TryTake("..") ? ParsePrimary(ref lexer) : null;
            if (to is null || !lexer.TryTake(")"))
            {
                return null;
            }
        }
        else
        {
            collection = ParsePrimary(ref lexer);
        }

        if ((collection is null && from is null) || !lexer.AtEnd)
        {
            return null;
        }

        var body = ParseNodes(tokens, ref index, ["endfor", "else", "break", "continue"], out var stop);
        return body is null || stop?.Name != "endfor" ? null : new ForNode(string.Intern(variable), collection, from, to, body);
    }

    private AssignNode? ParseAssign(Token token)
    {
        var equals = token.Text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return null;
        }

        var name = token.Text[..equals].Trim();
        var lexer = new MarkupLexer(name);
        if (lexer.NextIdentifier() != name || !lexer.AtEnd)
        {
            return null;
        }

        var value = ParseValue(token.Text[(equals + 1)..]);
        return value is null ? null : new AssignNode(string.Intern(name), value);
    }

    private static IncludeNode? ParseInclude(Token token)
    {
        var lexer = new MarkupLexer(token.Text);
        return lexer.Next() is { Kind: MarkupKind.String } name && lexer.AtEnd && PartialLibrary.IsSafeName(name.Text)
            ? new IncludeNode(name.Text)
            : null;
    }

    /// <summary>Skips to the end of a <c>comment</c> block; <see langword="false"/> when it nests a comment or raw block, or never ends.</summary>
    private static bool SkipComment(List<Token> tokens, ref int index)
    {
        while (index < tokens.Count)
        {
            var token = tokens[index++];
            if (token.Kind == TokenKind.Tag && token.Name is "comment" or "raw")
            {
                return false;
            }

            if (token.Kind == TokenKind.Tag && token.Name == "endcomment")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses <c>a op b and c or d</c>; grouped from the right, as DotLiquid does.</summary>
    private LiquidCondition? ParseCondition(string markup)
    {
        var lexer = new MarkupLexer(markup);
        var parts = new List<LiquidCondition>();
        var joins = new List<bool>();
        while (true)
        {
            var left = ParsePrimary(ref lexer);
            if (left is null)
            {
                return null;
            }

            var peek = lexer.Peek();
            if (peek.Kind == MarkupKind.Operator || (peek.Kind == MarkupKind.Identifier && peek.Text == "contains"))
            {
                lexer.Next();
                var right = ParsePrimary(ref lexer);
                if (right is null)
                {
                    return null;
                }

                parts.Add(new ComparisonCondition(left, peek.Text, right));
            }
            else
            {
                parts.Add(new TruthyCondition(left));
            }

            if (lexer.AtEnd)
            {
                break;
            }

            var join = lexer.NextIdentifier();
            if (join is not ("and" or "or"))
            {
                return null;
            }

            joins.Add(join == "and");
        }

        var condition = parts[^1];
        for (var i = parts.Count - 2; i >= 0; i--)
        {
            condition = new JoinedCondition(parts[i], joins[i], condition);
        }

        return condition;
    }

    /// <summary>Parses a value with optional filters; the whole markup must be consumed.</summary>
    private LiquidExpression? ParseValue(string markup)
    {
        var lexer = new MarkupLexer(markup);
        var value = ParsePrimary(ref lexer);
        if (value is null)
        {
            return null;
        }

        var filters = new List<(LiquidFilter, LiquidExpression[])>();
        while (lexer.TryTake("|"))
        {
            if (lexer.NextIdentifier() is not { } name)
            {
                return null;
            }

            var arguments = new List<LiquidExpression>();
            if (lexer.TryTake(":"))
            {
                do
                {
                    if (lexer.Peek().Kind == MarkupKind.Identifier && lexer.PeekSecond().Text == ":")
                    {
                        return null; // named arguments
                    }

                    var argument = ParsePrimary(ref lexer);
                    if (argument is null)
                    {
                        return null;
                    }

                    arguments.Add(argument);
                }
                while (lexer.TryTake(","));
            }

            if (!LiquidFilters.TryGet(name, arguments.Count, out var filter))
            {
                return null;
            }

            filters.Add((filter, [.. arguments]));
        }

        if (!lexer.AtEnd)
        {
            return null;
        }

        return filters.Count == 0 ? value : new FilteredExpression(value, [.. filters]);
    }

    /// <summary>A literal or a variable path.</summary>
    private LiquidExpression? ParsePrimary(ref MarkupLexer lexer)
    {
        var token = lexer.Next();
        switch (token.Kind)
        {
            case MarkupKind.String:
                return new LiteralExpression(token.Text);
            case MarkupKind.Integer:
                return int.TryParse(token.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                    ? new LiteralExpression(number)
                    : null;
            case MarkupKind.Identifier:
                switch (token.Text)
                {
                    case "true":
                        return new LiteralExpression(true);
                    case "false":
                        return new LiteralExpression(false);
                    case "nil" or "null":
                        return new LiteralExpression(null);
                    case "empty" or "blank" or "and" or "or" or "contains":
                        return null;
                }

                var segments = new List<PathSegment>();
                while (true)
                {
                    if (lexer.TryTake("."))
                    {
                        if (lexer.NextIdentifier() is not { } member)
                        {
                            return null;
                        }

                        segments.Add(new PathSegment(string.Intern(member), 0));
                    }
                    else if (lexer.TryTake("["))
                    {
                        var key = lexer.Next();
                        if (!lexer.TryTake("]"))
                        {
                            return null;
                        }

                        if (key.Kind == MarkupKind.String)
                        {
                            segments.Add(new PathSegment(string.Intern(key.Text), 0));
                        }
                        else if (key.Kind == MarkupKind.Integer && int.TryParse(key.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
                        {
                            segments.Add(new PathSegment(null, position));
                        }
                        else
                        {
                            return null;
                        }
                    }
                    else
                    {
                        return new PathExpression(string.Intern(token.Text), IndexOf(_inputNames, token.Text), [.. segments]);
                    }
                }

            default:
                return null;
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
