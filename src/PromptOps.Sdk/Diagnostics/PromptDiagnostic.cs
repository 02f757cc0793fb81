using System.Globalization;
using System.Text;

namespace PromptOps;

/// <summary>
/// One problem found in a prompt file, partial or library: a stable code, a message that says how to fix it,
/// and the file, line and column where it was found.
/// </summary>
/// <remarks>
/// <see cref="ToString"/> prints the MSBuild diagnostic format
/// (<c>path/to/file.yaml(12,5): error PO1003: message</c>) so editors and CI systems annotate the line.
/// Instances are immutable and thread-safe.
/// </remarks>
public sealed class PromptDiagnostic
{
    /// <summary>Initializes a new instance of the <see cref="PromptDiagnostic"/> class.</summary>
    /// <param name="code">The stable diagnostic code, one of <see cref="PromptDiagnosticCodes"/>.</param>
    /// <param name="severity">Whether the problem is an error or a warning.</param>
    /// <param name="message">A complete sentence naming the offending value, followed by how to fix it.</param>
    /// <param name="filePath">The file the problem is in, or <see langword="null"/> when it concerns no single file.</param>
    /// <param name="line">The 1-based line, or 0 when unknown.</param>
    /// <param name="column">The 1-based column, or 0 when unknown.</param>
    public PromptDiagnostic(string code, PromptDiagnosticSeverity severity, string message, string? filePath = null, int line = 0, int column = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        Code = code;
        Severity = severity;
        Message = message;
        FilePath = filePath;
        Line = Math.Max(0, line);
        Column = Math.Max(0, column);
    }

    /// <summary>Gets the stable diagnostic code, for example <c>PO1102</c>.</summary>
    public string Code { get; }

    /// <summary>Gets whether this is an error or a warning.</summary>
    public PromptDiagnosticSeverity Severity { get; }

    /// <summary>Gets the message: what is wrong, with the offending value in single quotes, and how to fix it.</summary>
    public string Message { get; }

    /// <summary>Gets the file the problem is in, or <see langword="null"/> when it concerns no single file.</summary>
    public string? FilePath { get; }

    /// <summary>Gets the 1-based line of the problem, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>Gets the 1-based column of the problem, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>Gets a value indicating whether this diagnostic is an error.</summary>
    public bool IsError => Severity == PromptDiagnosticSeverity.Error;

    /// <summary>Formats the diagnostic in the MSBuild format understood by editors and CI annotators.</summary>
    /// <returns>For example <c>prompts/a/1.0.0.yaml(3,5): error PO1008: …</c>.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder();
        if (FilePath is not null)
        {
            builder.Append(FilePath);
            if (Line > 0)
            {
                builder.Append(CultureInfo.InvariantCulture, $"({Line},{Math.Max(1, Column)})");
            }

            builder.Append(": ");
        }

        builder.Append(Severity == PromptDiagnosticSeverity.Error ? "error " : "warning ");
        builder.Append(Code).Append(": ").Append(Message);
        return builder.ToString();
    }

    /// <summary>A header line followed by every diagnostic, indented: the message of the exceptions that carry diagnostics.</summary>
    internal static string FormatList(string header, IEnumerable<PromptDiagnostic> diagnostics) =>
        header + Environment.NewLine + string.Join(Environment.NewLine, diagnostics.Select(d => "  " + d));
}
