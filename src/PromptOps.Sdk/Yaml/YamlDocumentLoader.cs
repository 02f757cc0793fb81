using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace PromptOps;

/// <summary>
/// Loads the YAML of every file PromptOps reads (prompt files, labels, skills, eval suites, input files) so that no
/// text, however malformed, deep or large, can crash or hang the caller: it either returns the documents or one
/// problem with a position.
/// </summary>
/// <remarks>
/// YamlDotNet's representation model builds nodes recursively, so a file of 50,000 nested brackets (100 KB) would
/// overflow the stack, which no <c>catch</c> can stop. The text is therefore read first as a flat stream of parser
/// events, counting nesting depth and the nodes that aliases expand to, and only a stream within both bounds is
/// built into nodes (from the same events, so the text is scanned once). Any exception YamlDotNet throws on
/// malformed input, not only <see cref="YamlException"/>, becomes a problem at the last position read.
/// Stateless and thread-safe.
/// </remarks>
internal static class YamlDocumentLoader
{
    /// <summary>The deepest nesting of mappings and sequences accepted; real prompt files use fewer than ten levels.</summary>
    internal const int MaxDepth = 64;

    /// <summary>The most YAML nodes a file may expand to once aliases are followed (bounds "billion laughs" files).</summary>
    internal const int MaxExpandedNodes = 10_000;

    /// <summary>Loads every document of <paramref name="text"/>.</summary>
    /// <param name="text">The YAML text.</param>
    /// <param name="problem">Why the text could not be loaded, when the result is <see langword="null"/>.</param>
    /// <returns>The loaded stream, or <see langword="null"/> with <paramref name="problem"/> set.</returns>
    public static YamlStream? Load(string text, out YamlLoadProblem? problem)
    {
        var events = new List<ParsingEvent>();
        if (!TryReadEvents(text, events, out problem))
        {
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new ReplayParser(events));
            return stream;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            problem = Failure(ex, Mark.Empty);
            return null;
        }
    }

    private static bool TryReadEvents(string text, List<ParsingEvent> events, out YamlLoadProblem? problem)
    {
        problem = null;
        var parser = new Parser(new StringReader(text));
        var anchorSizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new Stack<(string? Anchor, long NodesBefore)>();
        long nodes = 0;
        var last = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                last = current.Start;
                events.Add(current);
                switch (current)
                {
                    case AnchorAlias alias:
                        nodes += anchorSizes.TryGetValue(alias.Value.Value, out var size) ? size : 1;
                        break;
                    case Scalar scalar:
                        nodes++;
                        if (!scalar.Anchor.IsEmpty)
                        {
                            anchorSizes[scalar.Anchor.Value] = 1;
                        }

                        break;
                    case MappingStart or SequenceStart:
                        var anchor = ((NodeEvent)current).Anchor;
                        open.Push((anchor.IsEmpty ? null : anchor.Value, nodes));
                        nodes++;
                        if (open.Count > MaxDepth)
                        {
                            problem = new YamlLoadProblem(
                                $"it nests mappings and sequences more than {MaxDepth} levels deep. Flatten the structure; prompt files need only a few levels",
                                ToLine(current.Start), ToColumn(current.Start), IsTooLarge: true);
                            return false;
                        }

                        break;
                    case MappingEnd or SequenceEnd when open.Count > 0:
                        var (openAnchor, before) = open.Pop();
                        if (openAnchor is not null)
                        {
                            anchorSizes[openAnchor] = nodes - before;
                        }

                        break;
                }

                if (nodes > MaxExpandedNodes)
                {
                    problem = new YamlLoadProblem(
                        $"it expands to more than {MaxExpandedNodes:N0} nodes once anchors and aliases are followed. Remove the nested aliases or split the file",
                        ToLine(current.Start), ToColumn(current.Start), IsTooLarge: true);
                    return false;
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            problem = Failure(ex, last);
            return false;
        }
    }

    /// <summary>
    /// A YamlException says where; anything else YamlDotNet throws (InvalidOperationException on some malformed flow
    /// collections) is placed at the last event read.
    /// </summary>
    private static YamlLoadProblem Failure(Exception ex, Mark near) => ex is YamlException yaml
        ? new YamlLoadProblem((yaml.InnerException?.Message ?? yaml.Message).TrimEnd('.'), ToLine(yaml.Start), ToColumn(yaml.Start), IsTooLarge: false)
        : new YamlLoadProblem($"the YAML reader stopped near here ({ex.Message.TrimEnd('.')})", ToLine(near), ToColumn(near), IsTooLarge: false);

    private static int ToLine(Mark mark) => (int)Math.Clamp(mark.Line, 1, int.MaxValue);

    private static int ToColumn(Mark mark) => (int)Math.Clamp(mark.Column, 1, int.MaxValue);

    /// <summary>Feeds already-read events to YamlDotNet's representation model.</summary>
    private sealed class ReplayParser(List<ParsingEvent> events) : IParser
    {
        private int _index = -1;

        public ParsingEvent? Current => _index >= 0 && _index < events.Count ? events[_index] : null;

        public bool MoveNext() => ++_index < events.Count;
    }
}

/// <summary>Why a YAML text could not be loaded, and where.</summary>
/// <param name="Reason">A lower-case sentence fragment, for example "it nests ... deep. Flatten ...", for the caller to put after "The file is not valid YAML: ".</param>
/// <param name="Line">The 1-based line.</param>
/// <param name="Column">The 1-based column.</param>
/// <param name="IsTooLarge">Whether a size bound (depth or alias expansion) was exceeded rather than the syntax being wrong.</param>
internal sealed record YamlLoadProblem(string Reason, int Line, int Column, bool IsTooLarge);
