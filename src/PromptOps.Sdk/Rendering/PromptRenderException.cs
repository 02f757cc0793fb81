namespace PromptOps;

/// <summary>
/// Thrown when a prompt cannot be rendered with the inputs given: a required input is missing, an input has the
/// wrong type or is too long, or a safety limit was hit.
/// </summary>
public sealed class PromptRenderException : PromptOpsException
{
    /// <summary>Initializes a new instance of the <see cref="PromptRenderException"/> class.</summary>
    /// <param name="code">The diagnostic code, one of the <c>PO2xxx</c> values of <see cref="PromptDiagnosticCodes"/>.</param>
    /// <param name="promptId">The prompt id.</param>
    /// <param name="promptVersion">The prompt version.</param>
    /// <param name="inputName">The input at fault, if any.</param>
    /// <param name="message">A complete sentence naming the prompt, version and input, and how to fix it.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public PromptRenderException(string code, string promptId, string promptVersion, string? inputName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        PromptId = promptId;
        PromptVersion = promptVersion;
        InputName = inputName;
    }

    /// <summary>Gets the diagnostic code, for example <c>PO2001</c>.</summary>
    public string Code { get; }

    /// <summary>Gets the id of the prompt that failed to render.</summary>
    public string PromptId { get; }

    /// <summary>Gets the version of the prompt that failed to render.</summary>
    public string PromptVersion { get; }

    /// <summary>Gets the name of the input at fault, or <see langword="null"/> when no single input is.</summary>
    public string? InputName { get; }
}
