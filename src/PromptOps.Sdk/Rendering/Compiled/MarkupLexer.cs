namespace PromptOps;

internal enum MarkupKind
{
    End,
    Identifier,
    String,
    Integer,
    Symbol,
    Operator,
    Unsupported,
}

internal readonly record struct MarkupToken(MarkupKind Kind, string Text);

/// <summary>Splits the markup of one Liquid output or tag into tokens for <see cref="CompiledTemplateParser"/>.</summary>
internal struct MarkupLexer(string markup)
{
    private int _position;

    public readonly bool AtEnd => Peek().Kind == MarkupKind.End;

    public MarkupToken Next()
    {
        var (token, end) = Read(_position);
        _position = end;
        return token;
    }

    public readonly MarkupToken Peek() => Read(_position).Token;

    public readonly MarkupToken PeekSecond() => Read(Read(_position).End).Token;

    /// <summary>Consumes the next token when it is the symbol or operator <paramref name="text"/>.</summary>
    public bool TryTake(string text)
    {
        var (token, end) = Read(_position);
        if (token.Kind is MarkupKind.Symbol or MarkupKind.Operator && token.Text == text)
        {
            _position = end;
            return true;
        }

        return false;
    }

    public string? NextIdentifier() => Next() is { Kind: MarkupKind.Identifier } token ? token.Text : null;

    private readonly (MarkupToken Token, int End) Read(int position)
    {
        while (position < markup.Length && char.IsWhiteSpace(markup[position]))
        {
            position++;
        }

        if (position >= markup.Length)
        {
            return (new MarkupToken(MarkupKind.End, string.Empty), position);
        }

        var c = markup[position];
        if (c is '\'' or '"')
        {
            var close = markup.IndexOf(c, position + 1);
            return close < 0
                ? (new MarkupToken(MarkupKind.Unsupported, string.Empty), markup.Length)
                : (new MarkupToken(MarkupKind.String, markup[(position + 1)..close]), close + 1);
        }

        if (char.IsAsciiDigit(c) || (c == '-' && position + 1 < markup.Length && char.IsAsciiDigit(markup[position + 1])))
        {
            var end = position + 1;
            while (end < markup.Length && char.IsAsciiDigit(markup[end]))
            {
                end++;
            }

            // Decimals are DotLiquid's to parse and format.
            var isDecimal = end + 1 < markup.Length && markup[end] == '.' && char.IsAsciiDigit(markup[end + 1]);
            return (new MarkupToken(isDecimal ? MarkupKind.Unsupported : MarkupKind.Integer, markup[position..end]), end);
        }

        if (char.IsAsciiLetter(c) || c == '_')
        {
            var end = position + 1;
            while (end < markup.Length && (char.IsAsciiLetterOrDigit(markup[end]) || markup[end] is '_' or '-'))
            {
                end++;
            }

            var unsupported = end < markup.Length && markup[end] == '?';
            return (new MarkupToken(unsupported ? MarkupKind.Unsupported : MarkupKind.Identifier, markup[position..end]), end);
        }

        if (c == '.' && position + 1 < markup.Length && markup[position + 1] == '.')
        {
            return (new MarkupToken(MarkupKind.Symbol, ".."), position + 2);
        }

        if (c is '.' or '[' or ']' or '|' or ':' or ',' or '(' or ')')
        {
            return (new MarkupToken(MarkupKind.Symbol, c.ToString()), position + 1);
        }

        foreach (var op in (ReadOnlySpan<string>)["==", "!=", "<>", "<=", ">=", "<", ">"])
        {
            if (string.CompareOrdinal(markup, position, op, 0, op.Length) == 0)
            {
                return (new MarkupToken(MarkupKind.Operator, op), position + op.Length);
            }
        }

        return (new MarkupToken(MarkupKind.Unsupported, c.ToString()), position + 1);
    }
}
