using Microsoft.CodeAnalysis;

namespace PromptOps.Generators;

/// <summary>The diagnostics of the typed prompt accessors (PO16xx), reported at the line and column in the prompt file.</summary>
internal static class GeneratorDiagnostics
{
    private const string Category = "PromptOps";

    public static readonly DiagnosticDescriptor NotAPrompt = new(
        "PO1601", "Not a prompt file", "'{0}' is in the prompt library but has no 'id' and 'version': it gets no typed accessor. Move it out of the prompts folder, or add them.",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InputNamesCollide = new(
        "PO1602", "Two inputs map to one C# name", "Prompt '{0}': the inputs '{1}' and '{2}' both become the C# parameter '{3}'. Rename one of them in the prompt file.",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor PromptNamesCollide = new(
        "PO1603", "Two prompts map to one C# name", "The prompts '{0}' and '{1}' both become the C# name '{2}'. Rename one of the ids (the accessor of '{1}' is not generated).",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InputTypesDiffer = new(
        "PO1604", "An input's type differs between versions", "Prompt '{0}': input '{1}' is {2} in version {3} but {4} in version {5}. The typed accessor renders every served version, so give the input one type; until then its parameter takes any value.",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Unreadable = new(
        "PO1605", "Prompt file could not be read", "'{0}' could not be read as YAML ({1}); it gets no typed accessor. The build check and start-up report it in full.",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ReservedName = new(
        "PO1606", "A name the accessor cannot use", "Prompt '{0}': '{1}' becomes the C# name '{2}', which the generated type already uses. Rename it in the prompt file.",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Failed = new(
        "PO1699", "The typed prompt accessors could not be generated", "The PromptOps accessor generator failed: {0}. The project builds without the accessors; please report this with the prompt files.",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);
}
