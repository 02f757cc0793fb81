namespace PromptOps;

/// <summary>How serious a <see cref="PromptDiagnostic"/> is.</summary>
public enum PromptDiagnosticSeverity
{
    /// <summary>Suspicious but loadable; <c>promptops lint --strict</c> treats it as a failure.</summary>
    Warning = 0,

    /// <summary>The file cannot be served until it is fixed.</summary>
    Error = 1,
}
