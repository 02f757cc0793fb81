using System.Globalization;
using System.Text;
using DiffPlex.Chunkers;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace PromptOps.Cli.Lifecycle;

/// <summary>Formats a DiffPlex line diff as a unified diff (<c>---</c>/<c>+++</c> headers, <c>@@</c> hunks with context).</summary>
internal static class UnifiedDiff
{
    /// <summary>Returns the diff, or an empty string when the texts are equal. Whitespace and case count.</summary>
    public static string Format(string oldText, string newText, string oldName, string newName, int context = 3)
    {
        var lines = InlineDiffBuilder.Diff(oldText.TrimEnd('\n'), newText.TrimEnd('\n'), ignoreWhiteSpace: false, ignoreCase: false, new LineChunker()).Lines
            .Where(l => l.Type != ChangeType.Imaginary)
            .ToList();
        if (lines.All(l => l.Type == ChangeType.Unchanged))
        {
            return string.Empty;
        }

        // Old and new line numbers of every diff line, for the hunk headers.
        var oldNumbers = new int[lines.Count];
        var newNumbers = new int[lines.Count];
        int oldLine = 1, newLine = 1;
        for (var i = 0; i < lines.Count; i++)
        {
            oldNumbers[i] = oldLine;
            newNumbers[i] = newLine;
            oldLine += lines[i].Type == ChangeType.Inserted ? 0 : 1;
            newLine += lines[i].Type == ChangeType.Deleted ? 0 : 1;
        }

        var output = new StringBuilder();
        output.Append("--- ").Append(oldName).Append('\n');
        output.Append("+++ ").Append(newName).Append('\n');
        var index = 0;
        while (index < lines.Count)
        {
            var firstChange = lines.FindIndex(index, l => l.Type != ChangeType.Unchanged);
            if (firstChange < 0)
            {
                break;
            }

            var start = Math.Max(index, firstChange - context);
            var end = firstChange;
            while (true)
            {
                var next = lines.FindIndex(end + 1, l => l.Type != ChangeType.Unchanged);
                if (next < 0 || next - end - 1 > 2 * context)
                {
                    break;
                }

                end = next;
            }

            end = Math.Min(lines.Count - 1, end + context);
            var hunk = lines.GetRange(start, end - start + 1);
            var oldCount = hunk.Count(l => l.Type != ChangeType.Inserted);
            var newCount = hunk.Count(l => l.Type != ChangeType.Deleted);
            var section = lines.Take(start).LastOrDefault(l => l.Text.StartsWith("## ", StringComparison.Ordinal) && l.Type == ChangeType.Unchanged)?.Text;
            output.Append(CultureInfo.InvariantCulture, $"@@ -{oldNumbers[start]},{oldCount} +{newNumbers[start]},{newCount} @@");
            output.Append(section is null ? "\n" : " " + section + "\n");
            foreach (var line in hunk)
            {
                output.Append(line.Type switch { ChangeType.Inserted => '+', ChangeType.Deleted => '-', _ => ' ' }).Append(line.Text).Append('\n');
            }

            index = end + 1;
        }

        return output.ToString();
    }
}
