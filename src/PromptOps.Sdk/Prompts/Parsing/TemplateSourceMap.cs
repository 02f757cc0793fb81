using YamlDotNet.Core;

namespace PromptOps;

/// <summary>
/// Maps a position inside a template (the value of a YAML scalar) back to the line and column in the YAML file,
/// so template diagnostics point at the file the author edits.
/// </summary>
internal sealed class TemplateSourceMap
{
    private readonly int _firstLine;
    private readonly int _firstColumn;
    private readonly bool _isBlock;
    private readonly bool _isFolded;

    private TemplateSourceMap(string filePath, int firstLine, int firstColumn, bool isBlock, bool isFolded)
    {
        FilePath = filePath;
        _firstLine = firstLine;
        _firstColumn = firstColumn;
        _isBlock = isBlock;
        _isFolded = isFolded;
    }

    public string FilePath { get; }

    /// <summary>Gets the 1-based line where the template text starts.</summary>
    public int Line => _firstLine;

    /// <summary>Gets the 1-based column where the template text starts.</summary>
    public int Column => _firstColumn;

    /// <summary>A map for a whole standalone file (a partial): template positions are file positions.</summary>
    public static TemplateSourceMap ForWholeFile(string filePath) => new(filePath, 1, 1, isBlock: true, isFolded: false);

    /// <summary>A map for a scalar of a YAML document.</summary>
    public static TemplateSourceMap ForScalar(string filePath, string[] fileLines, Mark start, ScalarStyle style)
    {
        switch (style)
        {
            case ScalarStyle.Literal:
            case ScalarStyle.Folded:
                // The scalar starts at the '|' or '>' indicator; its text begins on the next non-blank line.
                var line = (int)start.Line + 1;
                while (line <= fileLines.Length && string.IsNullOrWhiteSpace(fileLines[line - 1]))
                {
                    line++;
                }

                var indent = line <= fileLines.Length ? fileLines[line - 1].Length - fileLines[line - 1].TrimStart(' ').Length : 0;
                return new TemplateSourceMap(filePath, line, indent + 1, isBlock: true, isFolded: style == ScalarStyle.Folded);
            case ScalarStyle.SingleQuoted:
            case ScalarStyle.DoubleQuoted:
                return new TemplateSourceMap(filePath, (int)start.Line, (int)start.Column + 1, isBlock: false, isFolded: true);
            default:
                return new TemplateSourceMap(filePath, (int)start.Line, (int)start.Column, isBlock: false, isFolded: true);
        }
    }

    /// <summary>Maps a 0-based line and column inside the template to a 1-based file position.</summary>
    public (int Line, int Column) Map(int templateLine, int templateColumn)
    {
        if (_isBlock && !_isFolded)
        {
            return (_firstLine + templateLine, _firstColumn + templateColumn);
        }

        // Folded and flow scalars join lines, so only the first line maps exactly; later lines map to their start.
        return templateLine == 0 ? (_firstLine, _firstColumn + templateColumn) : (_firstLine, _firstColumn);
    }

    /// <summary>Maps a 0-based character offset inside <paramref name="template"/> to a 1-based file position.</summary>
    public (int Line, int Column) MapOffset(string template, int offset)
    {
        offset = Math.Clamp(offset, 0, template.Length);
        var line = 0;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (template[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return Map(line, offset - lineStart);
    }
}
