namespace PromptOps;

/// <summary>How every activation log writes <see cref="PromptActivationKind"/>: <c>activated</c> or <c>observed</c>.</summary>
internal static class ActivationKindText
{
    public static string Of(PromptActivationKind kind) => kind == PromptActivationKind.Activated ? "activated" : "observed";

    /// <summary>Reads the text; anything else, a missing value included, is <see cref="PromptActivationKind.Observed"/>: entries written before activations were live are records, not switches.</summary>
    public static PromptActivationKind Parse(string? text) => text == "activated" ? PromptActivationKind.Activated : PromptActivationKind.Observed;
}
