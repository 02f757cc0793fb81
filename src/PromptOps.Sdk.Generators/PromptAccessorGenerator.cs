using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace PromptOps.Generators;

/// <summary>
/// Generates typed accessors for a project's prompt library: a <c>Prompts</c> class with one property per prompt id, whose
/// <c>Render</c> takes a record of the prompt's inputs (required ones as required parameters, C# names and types) and renders
/// through the catalog, so labels, live activation and A/B variants still choose the version at run time. The prompt files
/// reach it as AdditionalFiles from the PromptOps.Sdk build targets. It never throws: a problem is a PO16xx diagnostic.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class PromptAccessorGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var files = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Where(pair => pair.Right.GetOptions(pair.Left).TryGetValue("build_metadata.AdditionalFiles.PromptOpsPrompt", out var prompt)
                && string.Equals(prompt, "true", StringComparison.OrdinalIgnoreCase))
            .Select((pair, cancellationToken) => ReadSafely(pair.Left, cancellationToken))
            .Collect();
        var settings = context.AnalyzerConfigOptionsProvider.Select((options, _) =>
        {
            options.GlobalOptions.TryGetValue("build_property.RootNamespace", out var rootNamespace);
            options.GlobalOptions.TryGetValue("build_property.PromptOpsTypedPrompts", out var enabled);
            return (Namespace: rootNamespace ?? "", Enabled: !string.Equals(enabled, "false", StringComparison.OrdinalIgnoreCase));
        });
        context.RegisterSourceOutput(files.Combine(settings), (output, input) =>
        {
            if (!input.Right.Enabled)
            {
                return;
            }

            try
            {
                Generate(output, input.Left, input.Right.Namespace);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                output.ReportDiagnostic(Diagnostic.Create(GeneratorDiagnostics.Failed, Location.None, ex.GetType().Name + ": " + ex.Message));
            }
        });
    }

    private static PromptFile ReadSafely(AdditionalText file, System.Threading.CancellationToken cancellationToken)
    {
        try
        {
            return PromptFileReader.Read(file.Path, file.GetText(cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var failed = new PromptFile { Path = file.Path };
            failed.Diagnostics.Add(Diagnostic.Create(GeneratorDiagnostics.Unreadable, Location.None, file.Path, ex.Message));
            return failed;
        }
    }

    private static void Generate(SourceProductionContext output, ImmutableArray<PromptFile> files, string rootNamespace)
    {
        foreach (var diagnostic in files.SelectMany(f => f.Diagnostics))
        {
            output.ReportDiagnostic(diagnostic);
        }

        var prompts = new List<PromptModel>();
        var taken = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Prompts"] = "", ["Equals"] = "", ["GetHashCode"] = "", ["ToString"] = "", ["GetType"] = "", ["MemberwiseClone"] = "",
        };
        foreach (var versions in files.Where(f => f.Id is not null).GroupBy(f => f.Id!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var model = Merge(output, versions.Key, [.. versions]);
            if (model is null)
            {
                continue;
            }

            var names = new[] { model.TypeName, model.TypeName + "Prompt", model.TypeName + "Inputs" };
            if (names.FirstOrDefault(taken.ContainsKey) is { } clash)
            {
                var other = taken[clash];
                output.ReportDiagnostic(other.Length == 0
                    ? Diagnostic.Create(GeneratorDiagnostics.ReservedName, model.Location, model.Id, model.Id, clash)
                    : Diagnostic.Create(GeneratorDiagnostics.PromptNamesCollide, model.Location, other, model.Id, clash));
                continue;
            }

            foreach (var name in names)
            {
                taken[name] = model.Id;
            }

            prompts.Add(model);
        }

        if (prompts.Count > 0)
        {
            output.AddSource("PromptOps.Prompts.g.cs", SourceText.From(AccessorWriter.Write(rootNamespace, prompts), Encoding.UTF8));
        }
    }

    /// <summary>One prompt's accessor from the versions that can be served (published and deprecated; all when every one is a draft).</summary>
    private static PromptModel? Merge(SourceProductionContext output, string id, List<PromptFile> versions)
    {
        var served = versions.Where(v => !string.Equals(v.Status, "draft", StringComparison.OrdinalIgnoreCase)).ToList();
        if (served.Count == 0)
        {
            served = versions;
        }

        served = [.. served.OrderByDescending(v => v.Version, VersionComparer.Instance)];
        var model = new PromptModel(id, CSharpNames.Pascal(id), served[0].Description, served[0].IdLocation);
        var inputs = new Dictionary<string, (PromptInput Input, string Version, MergedInput Merged)>(StringComparer.Ordinal);
        foreach (var version in served)
        {
            foreach (var input in version.Inputs)
            {
                if (!inputs.TryGetValue(input.Name, out var known))
                {
                    var merged = new MergedInput(input.Name, CSharpNames.Pascal(input.Name), input.Type, input.Required, input.Description);
                    inputs[input.Name] = (input, version.Version!, merged);
                    model.Inputs.Add(merged);
                    continue;
                }

                known.Merged.Required |= input.Required;
                known.Merged.Description ??= input.Description;
                if (known.Merged.Type != input.Type && known.Merged.Type != "any")
                {
                    output.ReportDiagnostic(Diagnostic.Create(GeneratorDiagnostics.InputTypesDiffer, input.Location, id, input.Name, input.Type, version.Version, known.Input.Type, known.Version));
                    known.Merged.Type = "any";
                }
            }
        }

        var seen = new Dictionary<string, MergedInput>(StringComparer.Ordinal);
        var ok = true;
        foreach (var input in model.Inputs)
        {
            var location = inputs[input.Name].Input.Location;
            if (AccessorWriter.ReservedInputNames.Contains(input.CSharpName) || input.CSharpName == model.TypeName + "Inputs")
            {
                output.ReportDiagnostic(Diagnostic.Create(GeneratorDiagnostics.ReservedName, location, id, input.Name, input.CSharpName));
                ok = false;
            }
            else if (seen.TryGetValue(input.CSharpName, out var first))
            {
                output.ReportDiagnostic(Diagnostic.Create(GeneratorDiagnostics.InputNamesCollide, location, id, first.Name, input.Name, input.CSharpName));
                ok = false;
            }
            else
            {
                seen[input.CSharpName] = input;
            }
        }

        return ok ? model : null;
    }

    /// <summary>Orders versions like 1.10.0 after 1.9.0, and anything unreadable by text.</summary>
    private sealed class VersionComparer : IComparer<string?>
    {
        public static readonly VersionComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? "").Split('.', '-', '+');
            var b = (y ?? "").Split('.', '-', '+');
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var order = int.TryParse(a[i], out var m) && int.TryParse(b[i], out var n) ? m.CompareTo(n) : string.CompareOrdinal(a[i], b[i]);
                if (order != 0)
                {
                    return order;
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}

/// <summary>A prompt id with the inputs of every version that can be served.</summary>
internal sealed class PromptModel(string id, string typeName, string? description, Location location)
{
    public string Id { get; } = id;

    public string TypeName { get; } = typeName;

    public string? Description { get; } = description;

    public Location Location { get; } = location;

    public List<MergedInput> Inputs { get; } = [];
}

/// <summary>An input as the accessor takes it: required when any served version requires it without a default.</summary>
internal sealed class MergedInput(string name, string csharpName, string type, bool required, string? description)
{
    public string Name { get; } = name;

    public string CSharpName { get; } = csharpName;

    public string Type { get; set; } = type;

    public bool Required { get; set; } = required;

    public string? Description { get; set; } = description;
}
