namespace PromptOps.Testing;

/// <summary>The stable codes of eval-suite diagnostics (PO4xxx), listed in docs/testing-and-evaluation.md.</summary>
public static class EvalDiagnosticCodes
{
    /// <summary>PO4001: the suite file is not valid YAML or not a mapping.</summary>
    public const string InvalidSuiteFile = "PO4001";

    /// <summary>PO4002: a key is unknown, missing or has a value of the wrong type.</summary>
    public const string InvalidSetting = "PO4002";

    /// <summary>PO4003: an assertion has an unknown type.</summary>
    public const string UnknownAssertion = "PO4003";

    /// <summary>PO4004: an assertion lacks a setting its type needs, or has one it cannot use.</summary>
    public const string InvalidAssertion = "PO4004";

    /// <summary>PO4005: the dataset file does not exist or has an unsupported extension.</summary>
    public const string DatasetNotFound = "PO4005";

    /// <summary>PO4006: a dataset line or row is malformed.</summary>
    public const string MalformedDatasetLine = "PO4006";

    /// <summary>PO4007: an assertion or the dataset settings name a column a case does not have.</summary>
    public const string MissingColumn = "PO4007";

    /// <summary>PO4008: a target names a prompt or version the library does not have.</summary>
    public const string PromptNotFound = "PO4008";

    /// <summary>PO4009: a regular expression does not compile.</summary>
    public const string InvalidRegex = "PO4009";

    /// <summary>PO4010: two cases or two targets share a name.</summary>
    public const string DuplicateName = "PO4010";

    /// <summary>PO4011: an <c>llm-judge</c> assertion is used but the suite has no <c>judge</c> settings.</summary>
    public const string JudgeNotConfigured = "PO4011";
}

/// <summary>An eval suite or its dataset is invalid. <see cref="Diagnostics"/> lists every problem with file, line and column.</summary>
public sealed class EvalSuiteException : PromptOpsException
{
    /// <summary>Initializes a new instance of the <see cref="EvalSuiteException"/> class.</summary>
    /// <param name="suitePath">The suite file.</param>
    /// <param name="diagnostics">The problems found.</param>
    public EvalSuiteException(string suitePath, IReadOnlyList<PromptDiagnostic> diagnostics)
        : base(PromptDiagnostic.FormatList($"The eval suite '{suitePath}' is invalid:", diagnostics))
    {
        SuitePath = suitePath;
        Diagnostics = diagnostics;
    }

    /// <summary>Gets the suite file.</summary>
    public string SuitePath { get; }

    /// <summary>Gets every problem found, in the MSBuild format when printed.</summary>
    public IReadOnlyList<PromptDiagnostic> Diagnostics { get; }
}
