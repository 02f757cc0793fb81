namespace PromptOps;

/// <summary>
/// One <c>{{ … }}</c> output or <c>{% … %}</c> tag found in a template, with its whitespace-control dashes. Shared by
/// <see cref="LiquidScanner"/> (checks at load) and <see cref="CompiledTemplateParser"/> (the compiled render path), so
/// both read markup the same way.
/// </summary>
/// <param name="Open">The offset of the opening brace.</param>
/// <param name="IsOutput"><see langword="true"/> for <c>{{ }}</c>, <see langword="false"/> for <c>{% %}</c>.</param>
/// <param name="Start">The offset of the markup text, after the opening delimiter and its dash.</param>
/// <param name="End">The offset of the closing delimiter, or -1 when the markup is never closed.</param>
/// <param name="TrimsBefore">Whether the opening delimiter has a dash (<c>{%-</c>).</param>
/// <param name="TrimsAfter">Whether the closing delimiter has a dash (<c>-%}</c>).</param>
internal readonly record struct LiquidMarkup(int Open, bool IsOutput, int Start, int End, bool TrimsBefore, bool TrimsAfter)
{
    /// <summary>Gets the closing delimiter.</summary>
    public string Close => IsOutput ? "}}" : "%}";

    /// <summary>Gets the offset where the markup text ends (before the closing dash).</summary>
    public int MarkupEnd => TrimsAfter ? End - 1 : End;

    /// <summary>Gets the offset just after the closing delimiter.</summary>
    public int Next => End + 2;

    /// <summary>Finds the next output or tag at or after <paramref name="from"/>; <see langword="null"/> when there is none.</summary>
    public static LiquidMarkup? Find(string template, int from)
    {
        for (var open = template.IndexOf('{', from); open >= 0 && open + 1 < template.Length; open = template.IndexOf('{', open + 1))
        {
            var kind = template[open + 1];
            if (kind is not ('{' or '%'))
            {
                continue;
            }

            var isOutput = kind == '{';
            var start = open + 2;
            var trimsBefore = start < template.Length && template[start] == '-';
            if (trimsBefore)
            {
                start++;
            }

            var end = template.IndexOf(isOutput ? "}}" : "%}", start, StringComparison.Ordinal);
            var trimsAfter = end > start && template[end - 1] == '-';
            return new LiquidMarkup(open, isOutput, start, end, trimsBefore, trimsAfter);
        }

        return null;
    }
}
