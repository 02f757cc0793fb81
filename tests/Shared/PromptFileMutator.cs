using System.Text;

namespace PromptOps.Tests;

/// <summary>
/// Seeded mutations of valid library files, as a fuzzer or a clumsy editor would make them: byte flips, truncations,
/// deep nesting, alias bombs, huge scalars, duplicate keys, tabs, stray YAML indicators and Liquid delimiters
/// (linked into every test project that needs them).
/// </summary>
internal static class PromptFileMutator
{
    /// <summary>Texts that crashed or hung a YamlDotNet-based loader when they were first found, kept as fixed cases.</summary>
    public static IReadOnlyList<string> KnownHostileTexts { get; } =
    [
        "x: { b: c...\nd }\n",
        "x: { b: c\n...\nd }\n",
        "messages: [" + new string('[', 50_000) + "\n",
        "messages:\n" + string.Concat(Enumerable.Repeat("- ", 20_000)) + "x\n",
        "a: " + new string('{', 30_000) + new string('}', 30_000) + "\n",
        "? " + string.Concat(Enumerable.Repeat("? ", 5_000)) + "x\n: y\n",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + string.Concat(Enumerable.Range(1, 9).Select(i => $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat(i == 1 ? "*a" : $"*l{i - 1}", 10))}]\n")),
        "[a]: 1\n[b]: 2\nmessages: [{ role: user, content: hi }]\n",
        "inputs: { [a]: { type: string }, [b]: 1 }\nmessages: [{ role: user, content: hi }]\n",
        "messages:\n\t- role: user\n\t  content: hi\n",
        "%YAML 1.2\n%YAML 1.2\n---\nmessages: []\n",
        "!!binary messages: x\n",
        "messages: *undefined\n",
    ];

    /// <summary>Returns <paramref name="count"/> mutations of <paramref name="original"/>, the same for the same seed.</summary>
    public static IEnumerable<string> Mutate(string original, int seed, int count)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var text = original;
            var rounds = 1 + random.Next(3);
            for (var round = 0; round < rounds; round++)
            {
                text = MutateOnce(text, random);
            }

            yield return text;
        }
    }

    private static string MutateOnce(string text, Random random)
    {
        var at = text.Length == 0 ? 0 : random.Next(text.Length);
        switch (random.Next(12))
        {
            case 0: // flip a bit of one byte of the UTF-8 text
                var bytes = Encoding.UTF8.GetBytes(text);
                if (bytes.Length > 0)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return Encoding.UTF8.GetString(bytes);
            case 1: // truncate
                return text[..at];
            case 2: // deep nesting, up to well past the depth where a recursive reader overflows its stack
                var depth = random.Next(4) switch { 0 => 70, 1 => 1_000, 2 => 20_000, _ => 60_000 };
                var open = random.Next(2) == 0 ? '[' : '{';
                return text[..at] + new string(open, depth) + text[at..];
            case 3: // an alias bomb appended as extra keys
                return text + "\nbomb0: &b0 [x, x, x, x, x, x, x, x, x, x]\n"
                    + string.Concat(Enumerable.Range(1, 8).Select(i => $"bomb{i}: &b{i} [{string.Join(", ", Enumerable.Repeat($"*b{i - 1}", 10))}]\n"));
            case 4: // a huge scalar
                return text[..at] + new string('x', random.Next(2) == 0 ? 300_000 : 1_100_000) + text[at..];
            case 5: // a duplicated line (duplicate keys, repeated list items)
                var lines = text.Split('\n').ToList();
                var line = random.Next(lines.Count);
                lines.Insert(line, lines[line]);
                return string.Join('\n', lines);
            case 6: // tabs for indentation
                return text.Replace("  ", "\t", StringComparison.Ordinal);
            case 7: // a stray YAML indicator
                string[] indicators = ["{", "}", "[", "]", "...", "---", "&a ", "*a", "!!", "%", "? ", ": ", "- ", "|", ">", "\"", "'", "#", "\t", "\0", "\uFEFF", "\r"];
                return text[..at] + indicators[random.Next(indicators.Length)] + text[at..];
            case 8: // stray Liquid delimiters and tags
                string[] liquid = ["{{", "}}", "{%", "%}", "{% if x %}", "{% endfor %}", "{% include 'x' %}", "{% raw %}", "{{ a | b: }}", "{% for i in (1..99999999) %}", "{%- comment -%}"];
                return text[..at] + liquid[random.Next(liquid.Length)] + text[at..];
            case 9: // delete a span
                var length = Math.Min(text.Length - at, 1 + random.Next(40));
                return text.Remove(at, length);
            case 10: // swap two lines
                var all = text.Split('\n');
                if (all.Length > 1)
                {
                    var a = random.Next(all.Length);
                    var b = random.Next(all.Length);
                    (all[a], all[b]) = (all[b], all[a]);
                }

                return string.Join('\n', all);
            default: // a random character, including control and surrogate halves
                return text[..at] + (char)random.Next(0, 0xFFFF) + text[at..];
        }
    }
}
