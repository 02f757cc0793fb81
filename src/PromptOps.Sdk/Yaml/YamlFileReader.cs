using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PromptOps;

/// <summary>
/// One YAML file being read, for every reader of PromptOps' files (prompt files, labels, skills, eval suites): loads it
/// within bounds (<see cref="YamlDocumentLoader"/>), reads values of the expected shape, warns about unknown keys with the
/// nearest known one, and reports every problem as a diagnostic with the file, line and column, so that a reader reports
/// all of a file's problems at once and states only what it reads.
/// </summary>
/// <param name="path">The file as diagnostics name it.</param>
/// <param name="diagnostics">Where problems go.</param>
/// <param name="code">The code of a problem with a value, unless a reader gives another.</param>
internal sealed class YamlFileReader(string path, ICollection<PromptDiagnostic> diagnostics, string code)
{
    /// <summary>Gets the file as diagnostics name it.</summary>
    public string Path => path;

    /// <summary>Gets a value indicating whether an error was reported.</summary>
    public bool HasErrors => ErrorCount > 0;

    /// <summary>Gets how many errors were reported, so that a reader can tell whether one part of the file had any.</summary>
    public int ErrorCount { get; private set; }

    /// <summary>
    /// Loads the file and returns the root of its one document, or <see langword="null"/> (with a diagnostic) when it is
    /// larger than <paramref name="maxChars"/> or not YAML; an empty file returns <see langword="null"/> without one.
    /// </summary>
    /// <param name="text">The file's text.</param>
    /// <param name="what">What the file is, starting a sentence: "The skills file".</param>
    /// <param name="maxChars">The largest file accepted.</param>
    /// <param name="syntaxCode">The code of malformed YAML.</param>
    /// <param name="tooLargeCode">The code of a file over a size bound.</param>
    public YamlNode? LoadRoot(string text, string what, int maxChars, string syntaxCode, string tooLargeCode)
    {
        if (text.Length > maxChars)
        {
            Error(1, 1, $"{what} is larger than {maxChars.ToString("N0", CultureInfo.InvariantCulture)} characters. Split it into smaller files.", tooLargeCode);
            return null;
        }

        var stream = YamlDocumentLoader.Load(text, out var problem);
        if (stream is null)
        {
            var advice = problem!.IsTooLarge ? "." : ". Check indentation and quoting around this position.";
            Error(problem.Line, problem.Column, $"{what} is not valid YAML: {problem.Reason}{advice}", problem.IsTooLarge ? tooLargeCode : syntaxCode);
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            Error(stream.Documents[1].RootNode, $"{what} holds more than one YAML document, and only the first is read. Remove the extra '---' separator.", syntaxCode);
        }

        return stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" } ? null : stream.Documents[0].RootNode;
    }

    /// <summary>The entries of a mapping whose keys are known, warning (PO1002) about each other key.</summary>
    /// <param name="mapping">The mapping.</param>
    /// <param name="known">The keys the reader reads.</param>
    /// <param name="subject">What the mapping is, starting a sentence: "Skill 'orders'", "The 'model' section".</param>
    public IEnumerable<(YamlScalarNode Key, YamlNode Value)> Entries(YamlMappingNode mapping, string[] known, string subject)
    {
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is YamlScalarNode { Value: { } key } scalar && known.Contains(key, StringComparer.Ordinal))
            {
                yield return (scalar, valueNode);
            }
            else
            {
                WarnUnknownKey(keyNode, known, subject);
            }
        }
    }

    /// <summary>Warns (PO1002) about every key of a mapping outside the known ones, for readers that look values up by key.</summary>
    public void WarnUnknownKeys(YamlMappingNode mapping, string[] known, string subject)
    {
        foreach (var keyNode in mapping.Children.Keys.Where(k => k is not YamlScalarNode { Value: { } key } || !known.Contains(key, StringComparer.Ordinal)))
        {
            WarnUnknownKey(keyNode, known, subject);
        }
    }

    /// <summary>Reports every key of a mapping outside the known ones as an error, for files where a misspelt key must not pass (eval suites).</summary>
    public void RejectUnknownKeys(YamlMappingNode mapping, string[] known, string subject, string errorCode)
    {
        foreach (var keyNode in mapping.Children.Keys.Where(k => k is not YamlScalarNode { Value: { } key } || !known.Contains(key, StringComparer.Ordinal)))
        {
            Report(PromptDiagnosticSeverity.Error, errorCode, UnknownKeyMessage(keyNode, known, subject, ignored: false), (int)keyNode.Start.Line, (int)keyNode.Start.Column);
        }
    }

    /// <summary>The value under <paramref name="key"/>, or <see langword="null"/>.</summary>
    public static YamlNode? Get(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    /// <summary>The node as a mapping, or <see langword="null"/> after reporting <paramref name="problem"/> at it.</summary>
    public YamlMappingNode? AsMapping(YamlNode node, string problem)
    {
        if (node is YamlMappingNode mapping)
        {
            return mapping;
        }

        Error(node, problem);
        return null;
    }

    /// <summary>A single text value, or <see langword="null"/> after reporting a list or mapping given for <paramref name="key"/>.</summary>
    public string? Text(YamlNode node, string key)
    {
        if (node is YamlScalarNode scalar)
        {
            return scalar.Value;
        }

        Error(node, $"'{key}' must be a single text value, not a list or mapping. Write it on one line, for example '{key}: value'.");
        return null;
    }

    /// <summary>A list of non-empty text values, or an empty list after reporting anything else.</summary>
    public List<string> TextList(YamlNode node, string key, string subject)
    {
        if (node is YamlSequenceNode sequence && sequence.Children.All(c => c is YamlScalarNode { Value.Length: > 0 }))
        {
            return [.. sequence.Children.Cast<YamlScalarNode>().Select(c => c.Value!)];
        }

        Error(node, $"{subject} has '{key}' that is not a list of names. Write it as {key}: [name_one, name_two].");
        return [];
    }

    /// <summary><see langword="true"/> or <see langword="false"/>, or <see langword="null"/> after reporting anything else.</summary>
    public bool? Bool(YamlNode node, string key) => Text(node, key) switch
    {
        null => null,
        "true" or "True" => true,
        "false" or "False" => false,
        var other => Invalid<bool?>(node, $"'{key}' must be true or false, not '{other}'."),
    };

    /// <summary>A whole number greater than 0, or <see langword="null"/> after reporting anything else.</summary>
    public int? PositiveInt(YamlNode node, string key, string example)
    {
        var text = Text(node, key);
        return text is null ? null
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value
            : Invalid<int?>(node, $"'{key}' must be a whole number greater than 0, for example {example}, not '{text}'.");
    }

    /// <summary>A number within [<paramref name="min"/>, <paramref name="max"/>], or <see langword="null"/> after reporting anything else.</summary>
    public double? Number(YamlNode node, string key, double min, double max)
    {
        var text = Text(node, key);
        return text is null ? null
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max ? value
            : Invalid<double?>(node, $"'{key}' must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not '{text}'.");
    }

    /// <summary>Reports an error at a node and returns <paramref name="fallback"/>.</summary>
    public T Invalid<T>(YamlNode node, string message, T fallback = default!, string? errorCode = null)
    {
        Error(node, message, errorCode);
        return fallback;
    }

    /// <summary>Reports an error at a node.</summary>
    public void Error(YamlNode node, string message, string? errorCode = null) => Error((int)node.Start.Line, (int)node.Start.Column, message, errorCode);

    /// <summary>Reports an error at a position (0, 0 for the file as a whole).</summary>
    public void Error(int line, int column, string message, string? errorCode = null) =>
        Report(PromptDiagnosticSeverity.Error, errorCode ?? code, message, line, column);

    /// <summary>Reports a warning at a node.</summary>
    public void Warn(YamlNode node, string message, string warningCode) =>
        Report(PromptDiagnosticSeverity.Warning, warningCode, message, (int)node.Start.Line, (int)node.Start.Column);

    /// <summary>The position of a node as <c>file(line,column)</c>, for messages that point at another place.</summary>
    public string Where(YamlNode node) => string.Create(CultureInfo.InvariantCulture, $"{System.IO.Path.GetFileName(path)}({node.Start.Line},{node.Start.Column})");

    /// <summary>Warns (PO1002) that a key is not among the known ones, suggesting the nearest.</summary>
    public void WarnUnknownKey(YamlNode keyNode, string[] known, string subject) =>
        Warn(keyNode, UnknownKeyMessage(keyNode, known, subject, ignored: true), PromptDiagnosticCodes.UnknownKey);

    private static string UnknownKeyMessage(YamlNode keyNode, string[] known, string subject, bool ignored)
    {
        var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
        var nearest = KeySuggester.Nearest(key, known);
        var hint = nearest is null ? $"Known keys: {string.Join(", ", known)}." : $"Did you mean '{nearest}'?";
        return ignored ? $"{subject} has an unknown key '{key}'; it is ignored. {hint}" : $"{subject} has an unknown key '{key}'. {hint}";
    }

    private void Report(PromptDiagnosticSeverity severity, string diagnosticCode, string message, int line, int column)
    {
        if (severity == PromptDiagnosticSeverity.Error)
        {
            ErrorCount++;
        }

        diagnostics.Add(new PromptDiagnostic(diagnosticCode, severity, message, path, line, column));
    }
}
