namespace PromptOps;

/// <summary>How much of a call's messages and reply goes into its <see cref="PromptCallRecord"/>.</summary>
public enum PromptCallContentCapture
{
    /// <summary>No content: <see cref="PromptCallRecord.InputContent"/> and <see cref="PromptCallRecord.OutputContent"/> stay <see langword="null"/>.</summary>
    Off,

    /// <summary>Content with personal data and secrets masked by <see cref="PromptContentRedactor"/>.</summary>
    Redacted,

    /// <summary>Content exactly as sent and received. Records may then hold personal data: store them accordingly.</summary>
    Full,
}
