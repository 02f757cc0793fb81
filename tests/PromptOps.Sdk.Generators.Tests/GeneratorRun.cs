using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using PromptOps.Generators;

namespace PromptOps.Tests.Generators;

/// <summary>
/// Runs the generator the way the compiler does in a project referencing PromptOps.Sdk: the prompt files as AdditionalFiles
/// marked PromptOpsPrompt, the project's RootNamespace, and C# code that uses the accessors, compiled against the real SDK.
/// </summary>
internal sealed class GeneratorRun
{
    private static readonly ImmutableArray<MetadataReference> References = [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator)
        .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll" or "Microsoft.Extensions.AI.Abstractions.dll")
        .Append(typeof(IPromptCatalog).Assembly.Location)
        .Select(path => MetadataReference.CreateFromFile(path))];

    private GeneratorRun(GeneratorDriverRunResult result, Compilation compilation)
    {
        Result = result;
        Compilation = compilation;
    }

    public GeneratorDriverRunResult Result { get; }

    public Compilation Compilation { get; }

    /// <summary>Gets the generated source, or an empty string when nothing was generated.</summary>
    public string Source => Result.GeneratedTrees.FirstOrDefault()?.GetText().ToString() ?? string.Empty;

    /// <summary>Gets the generator's own diagnostics (PO16xx).</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => Result.Diagnostics;

    /// <summary>Gets the compiler's errors over the user's code and the generated code.</summary>
    public ImmutableArray<Diagnostic> CompileErrors => [.. Compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)];

    public static GeneratorRun Run(IEnumerable<(string Path, string Text)> promptFiles, string code = "", string rootNamespace = "Shop")
    {
        var files = promptFiles.Select(f => (AdditionalText)new PromptText(f.Path, f.Text)).ToImmutableArray();
        var compilation = CSharpCompilation.Create(
            "Shop",
            [CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest))],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create(
            [new PromptAccessorGenerator().AsSourceGenerator()],
            files,
            new CSharpParseOptions(LanguageVersion.Latest),
            new Options(rootNamespace, files.Select(f => f.Path)));
        driver = (CSharpGeneratorDriver)driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return new GeneratorRun(driver.GetRunResult(), output);
    }

    /// <summary>The repository's sample prompt library, as a project embedding it passes it to the compiler.</summary>
    public static IEnumerable<(string Path, string Text)> SampleLibrary() =>
        Directory.EnumerateFiles(RepositoryPaths.Prompts, "*.yaml", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(path) is not ("labels.yaml" or "skills.yaml"))
            .Order(StringComparer.Ordinal)
            .Select(path => (path, File.ReadAllText(path)));

    private sealed class PromptText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    private sealed class Options(string rootNamespace, IEnumerable<string> prompts) : AnalyzerConfigOptionsProvider
    {
        private readonly HashSet<string> _prompts = [.. prompts];

        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(new() { ["build_property.RootNamespace"] = rootNamespace });

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Values([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            new Values(_prompts.Contains(textFile.Path) ? new() { ["build_metadata.AdditionalFiles.PromptOpsPrompt"] = "true" } : []);

        private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
