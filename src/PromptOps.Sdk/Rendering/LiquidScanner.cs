using System.Text.RegularExpressions;

namespace PromptOps;

/// <summary>What <see cref="LiquidScanner"/> found in one template; offsets are 0-based character offsets.</summary>
internal sealed class LiquidScan
{
    public List<(string Name, int Offset)> Uses { get; } = [];

    public HashSet<string> Defined { get; } = new(StringComparer.Ordinal);

    public List<(string Name, int Offset)> Filters { get; } = [];

    public List<LiquidInclude> Includes { get; } = [];

    public List<(string Message, int Offset)> Errors { get; } = [];
}

/// <summary>One <c>{% include %}</c>: the partial name (null when it is not a literal) and the names it binds.</summary>
internal sealed record LiquidInclude(string? Name, int Offset, IReadOnlySet<string> Bindings);

/// <summary>
/// A static reader of Liquid templates. DotLiquid parses templates but keeps no positions and tolerates unknown
/// variables and filters; this scanner finds variable uses, definitions, filters, includes and block structure with
/// exact offsets, so problems are reported at load (and by <c>promptops lint</c>) before anything runs.
/// </summary>
internal static partial class LiquidScanner
{
    private static readonly HashSet<string> s_expressionKeywords = new(StringComparer.Ordinal)
    {
        "and", "or", "contains", "true", "false", "nil", "null", "empty", "blank", "reversed", "with", "for", "as", "in",
    };

    private static readonly Dictionary<string, string> s_blockEnds = new(StringComparer.Ordinal)
    {
        ["if"] = "endif", ["unless"] = "endunless", ["case"] = "endcase", ["for"] = "endfor",
        ["tablerow"] = "endtablerow", ["capture"] = "endcapture", ["ifchanged"] = "endifchanged",
    };

    [GeneratedRegex(@"^\s*([A-Za-z_][\w-]*)\s+in\s+(.+)$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex LoopSyntax();

    [GeneratedRegex(@"^\s*([A-Za-z_][\w-]*)\s*=\s*(.+)$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex AssignSyntax();

    [GeneratedRegex(@"^\s*(?:'([^']*)'|""([^""]*)""|([A-Za-z_][\w-]*))\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex CaptureSyntax();

    [GeneratedRegex(@"^\s*(?:'([^']*)'|""([^""]*)"")", RegexOptions.CultureInvariant)]
    private static partial Regex IncludeName();

    [GeneratedRegex(@"\{%-?\s*endraw\s*-?%\}", RegexOptions.CultureInvariant)]
    private static partial Regex EndRaw();

    [GeneratedRegex(@"\{%-?\s*endcomment\s*-?%\}", RegexOptions.CultureInvariant)]
    private static partial Regex EndComment();

    public static LiquidScan Scan(string template)
    {
        var scan = new LiquidScan();
        var blocks = new Stack<(string Tag, int Offset)>();
        var position = 0;
        while (position < template.Length && LiquidMarkup.Find(template, position) is { } found)
        {
            var (open, start) = (found.Open, found.Start);
            if (found.End < 0)
            {
                scan.Errors.Add(($"'{template.Substring(open, 2)}' is never closed. Add '{found.Close}' to end it, or write '{{{{ \"{template.Substring(open, 2)}\" }}}}' to print it literally.", open));
                break;
            }

            var markup = template[start..found.MarkupEnd];
            position = found.Next;
            if (found.IsOutput)
            {
                if (string.IsNullOrWhiteSpace(markup))
                {
                    scan.Errors.Add(("An output tag '{{ }}' is empty. Put a variable or value inside it, or remove it.", open));
                    continue;
                }

                ScanExpression(markup, start, scan);
                continue;
            }

            position = ScanTag(template, markup, start, open, position, scan, blocks);
        }

        foreach (var (tag, offset) in blocks)
        {
            scan.Errors.Add(($"The '{tag}' block is never closed. Add '{{% {s_blockEnds[tag]} %}}' where it should end.", offset));
        }

        return scan;
    }

    private static int ScanTag(string template, string markup, int markupOffset, int tagOffset, int next, LiquidScan scan, Stack<(string Tag, int Offset)> blocks)
    {
        var trimmed = markup.TrimStart();
        var leading = markup.Length - trimmed.Length;
        var nameLength = 0;
        while (nameLength < trimmed.Length && (char.IsAsciiLetter(trimmed[nameLength]) || trimmed[nameLength] == '#'))
        {
            nameLength++;
        }

        var tag = trimmed[..nameLength];
        var argsOffset = markupOffset + leading + nameLength;
        var args = trimmed[nameLength..];
        switch (tag)
        {
            case "":
                scan.Errors.Add(("A tag '{% %}' has no name. Write a tag such as '{% if … %}', or remove it.", tagOffset));
                break;
            case "#":
                break;
            case "raw" or "comment":
                var match = (tag == "raw" ? EndRaw() : EndComment()).Match(template, next);
                if (!match.Success)
                {
                    scan.Errors.Add(($"The '{tag}' block is never closed. Add '{{% end{tag} %}}' where it should end.", tagOffset));
                    return template.Length;
                }

                return match.Index + match.Length;
            case "if" or "unless" or "case":
                blocks.Push((tag, tagOffset));
                ScanExpression(args, argsOffset, scan);
                break;
            case "elsif":
                RequireOpen(blocks, tag, tagOffset, scan, "if", "unless");
                ScanExpression(args, argsOffset, scan);
                break;
            case "when":
                RequireOpen(blocks, tag, tagOffset, scan, "case");
                ScanExpression(args, argsOffset, scan);
                break;
            case "else":
                RequireOpen(blocks, tag, tagOffset, scan, "if", "unless", "case", "for", "tablerow");
                break;
            case "for" or "tablerow":
                blocks.Push((tag, tagOffset));
                var loop = LoopSyntax().Match(args);
                if (!loop.Success)
                {
                    scan.Errors.Add(($"The '{tag}' tag must read '{{% {tag} item in collection %}}'. Fix the tag's syntax.", tagOffset));
                    break;
                }

                scan.Defined.Add(loop.Groups[1].Value);
                ScanExpression(loop.Groups[2].Value, argsOffset + loop.Groups[2].Index, scan);
                break;
            case "assign":
                var assign = AssignSyntax().Match(args);
                if (!assign.Success)
                {
                    scan.Errors.Add(("The 'assign' tag must read '{% assign name = value %}'. Fix the tag's syntax.", tagOffset));
                    break;
                }

                scan.Defined.Add(assign.Groups[1].Value);
                ScanExpression(assign.Groups[2].Value, argsOffset + assign.Groups[2].Index, scan);
                break;
            case "capture":
                blocks.Push((tag, tagOffset));
                var capture = CaptureSyntax().Match(args);
                if (!capture.Success)
                {
                    scan.Errors.Add(("The 'capture' tag must read '{% capture name %}'. Fix the tag's syntax.", tagOffset));
                    break;
                }

                scan.Defined.Add(capture.Groups.Values.Skip(1).First(g => g.Success).Value);
                break;
            case "increment" or "decrement":
                scan.Defined.Add(args.Trim());
                break;
            case "cycle":
                ScanExpression(args, argsOffset, scan);
                break;
            case "include":
                ScanInclude(args, argsOffset, tagOffset, scan);
                break;
            case "ifchanged":
                blocks.Push((tag, tagOffset));
                break;
            case "break" or "continue":
                break;
            default:
                if (tag.StartsWith("end", StringComparison.Ordinal) && s_blockEnds.ContainsValue(tag))
                {
                    CloseBlock(blocks, tag, tagOffset, scan);
                    break;
                }

                scan.Errors.Add(($"The tag '{tag}' is not a supported Liquid tag. Use one of: if, unless, case, for, tablerow, assign, capture, cycle, increment, decrement, include, raw, comment.", tagOffset));
                break;
        }

        return next;
    }

    private static void RequireOpen(Stack<(string Tag, int Offset)> blocks, string tag, int offset, LiquidScan scan, params string[] parents)
    {
        if (blocks.Count == 0 || !parents.Contains(blocks.Peek().Tag))
        {
            scan.Errors.Add(($"'{{% {tag} %}}' appears outside of a '{string.Join("' or '", parents)}' block. Move it inside the block or remove it.", offset));
        }
    }

    private static void CloseBlock(Stack<(string Tag, int Offset)> blocks, string endTag, int offset, LiquidScan scan)
    {
        if (blocks.Count > 0 && s_blockEnds[blocks.Peek().Tag] == endTag)
        {
            blocks.Pop();
            return;
        }

        var expected = blocks.Count > 0 ? $" The innermost open block is '{blocks.Peek().Tag}', closed by '{{% {s_blockEnds[blocks.Peek().Tag]} %}}'." : string.Empty;
        scan.Errors.Add(($"'{{% {endTag} %}}' has no matching opening tag.{expected} Remove it or add the opening tag.", offset));
    }

    private static void ScanInclude(string args, int argsOffset, int tagOffset, LiquidScan scan)
    {
        var name = IncludeName().Match(args);
        if (!name.Success)
        {
            scan.Includes.Add(new LiquidInclude(null, tagOffset, new HashSet<string>()));
            return;
        }

        var partial = name.Groups[1].Success ? name.Groups[1].Value : name.Groups[2].Value;
        var rest = args[name.Length..];
        var bindings = new HashSet<string>(StringComparer.Ordinal);
        var restScan = new LiquidScan();
        ScanExpression(rest, argsOffset + name.Length, restScan, bindings);
        scan.Uses.AddRange(restScan.Uses);
        scan.Filters.AddRange(restScan.Filters);
        scan.Errors.AddRange(restScan.Errors);
        if (rest.TrimStart().StartsWith("with", StringComparison.Ordinal) || rest.TrimStart().StartsWith("for", StringComparison.Ordinal))
        {
            // "include 'product' with x" binds x to the name of the partial inside it.
            bindings.Add(partial[(partial.LastIndexOf('/') + 1)..]);
        }

        scan.Includes.Add(new LiquidInclude(partial, tagOffset, bindings));
    }

    /// <summary>Reads a Liquid expression with filters; named arguments (<c>key: value</c>) go to <paramref name="namedArguments"/>.</summary>
    private static void ScanExpression(string markup, int offset, LiquidScan scan, HashSet<string>? namedArguments = null)
    {
        var p = 0;
        var expectFilter = false;
        var previous = '\0';
        while (p < markup.Length)
        {
            var c = markup[p];
            if (char.IsWhiteSpace(c))
            {
                p++;
                continue;
            }

            if (c is '\'' or '"')
            {
                var closing = markup.IndexOf(c, p + 1);
                if (closing < 0)
                {
                    scan.Errors.Add(($"A string starting with {c} is never closed. Add the closing {c}.", offset + p));
                    return;
                }

                p = closing + 1;
                previous = 's';
                continue;
            }

            if (char.IsAsciiDigit(c) || (c == '-' && p + 1 < markup.Length && char.IsAsciiDigit(markup[p + 1]) && previous != 'i'))
            {
                p++;
                while (p < markup.Length && (char.IsAsciiDigit(markup[p]) || (markup[p] == '.' && p + 1 < markup.Length && char.IsAsciiDigit(markup[p + 1]))))
                {
                    p++;
                }

                previous = 'n';
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = p;
                while (p < markup.Length && (char.IsAsciiLetterOrDigit(markup[p]) || markup[p] is '_' or '-'))
                {
                    p++;
                }

                if (p < markup.Length && markup[p] == '?')
                {
                    p++;
                }

                var name = markup[start..p];
                var after = p;
                while (after < markup.Length && char.IsWhiteSpace(markup[after]))
                {
                    after++;
                }

                var isNamedArgument = after < markup.Length && markup[after] == ':';
                if (expectFilter)
                {
                    scan.Filters.Add((name, offset + start));
                    expectFilter = false;
                }
                else if (previous == '.')
                {
                    // a member such as tools.size: not a variable of its own
                }
                else if (isNamedArgument)
                {
                    namedArguments?.Add(name);
                }
                else if (!s_expressionKeywords.Contains(name))
                {
                    scan.Uses.Add((name, offset + start));
                }

                previous = 'i';
                continue;
            }

            if (c == '|')
            {
                expectFilter = true;
            }

            if (c == '.' && p + 1 < markup.Length && markup[p + 1] == '.')
            {
                p += 2;
                previous = 'r';
                continue;
            }

            previous = c;
            p++;
        }

        if (expectFilter)
        {
            scan.Errors.Add(("A '|' is not followed by a filter name. Add the filter (for example '| upcase') or remove the '|'.", offset + markup.LastIndexOf('|')));
        }
    }
}
