using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PromptOps.Generators;

/// <summary>One input a prompt file declares, with where it is declared.</summary>
internal sealed class PromptInput(string name, string type, bool required, bool hasDefault, string? description, Location location)
{
    public string Name { get; } = name;

    public string Type { get; } = type;

    public bool Required { get; } = required && !hasDefault;

    public string? Description { get; } = description;

    public Location Location { get; } = location;
}

/// <summary>What the generator needs of one prompt file: its id, version, status and inputs; or why it is skipped.</summary>
internal sealed class PromptFile
{
    public string Path { get; set; } = "";

    public string? Id { get; set; }

    public string? Version { get; set; }

    public string Status { get; set; } = "draft";

    public string? Description { get; set; }

    public Location IdLocation { get; set; } = Location.None;

    public List<PromptInput> Inputs { get; } = [];

    /// <summary>Gets the diagnostics about this file (the generator's own; full validation is the build check's).</summary>
    public List<Diagnostic> Diagnostics { get; } = [];
}

/// <summary>Reads prompt files with YamlDotNet, never throwing: a file it cannot read becomes a diagnostic.</summary>
internal static class PromptFileReader
{
    private static readonly HashSet<string> Types = new(StringComparer.Ordinal) { "string", "number", "integer", "boolean", "array", "object" };

    public static PromptFile Read(string path, SourceText? text)
    {
        var file = new PromptFile { Path = path };
        if (text is null)
        {
            file.Diagnostics.Add(Diagnostic.Create(GeneratorDiagnostics.Unreadable, Location.None, path, "the file could not be read"));
            return file;
        }

        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text.ToString()));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
            {
                file.Diagnostics.Add(Diagnostic.Create(GeneratorDiagnostics.NotAPrompt, At(path, text, 1, 1), path));
                return file;
            }

            root = mapping;
        }
        catch (YamlException ex)
        {
            file.Diagnostics.Add(Diagnostic.Create(GeneratorDiagnostics.Unreadable, At(path, text, (int)ex.Start.Line, (int)ex.Start.Column), path, ex.Message));
            return file;
        }

        if (Scalar(root, "id") is not { } id || Scalar(root, "version") is not { } version)
        {
            file.Diagnostics.Add(Diagnostic.Create(GeneratorDiagnostics.NotAPrompt, At(path, text, 1, 1), path));
            return file;
        }

        file.Id = id.Value;
        file.Version = version.Value;
        file.IdLocation = At(path, text, id);
        file.Status = Scalar(root, "status")?.Value ?? "draft";
        file.Description = Scalar(root, "description")?.Value;
        if (Child(root, "inputs") is YamlMappingNode inputs)
        {
            foreach (var entry in inputs.Children)
            {
                if (entry.Key is not YamlScalarNode key || key.Value is not { Length: > 0 } name)
                {
                    continue;
                }

                string type = "string";
                bool required = false, hasDefault = false;
                string? description = null;
                if (entry.Value is YamlScalarNode shorthand && shorthand.Value is { Length: > 0 } typeName)
                {
                    type = typeName;
                }
                else if (entry.Value is YamlMappingNode declaration)
                {
                    type = Scalar(declaration, "type")?.Value ?? "string";
                    required = string.Equals(Scalar(declaration, "required")?.Value, "true", StringComparison.OrdinalIgnoreCase);
                    hasDefault = Child(declaration, "default") is not null;
                    description = Scalar(declaration, "description")?.Value;
                }

                // An unknown type is the build check's and start-up's error (PO1xxx); the accessor takes any value for it.
                file.Inputs.Add(new PromptInput(name, Types.Contains(type) ? type : "any", required, hasDefault, description, At(path, text, key)));
            }
        }

        return file;
    }

    private static YamlNode? Child(YamlMappingNode mapping, string key)
    {
        foreach (var entry in mapping.Children)
        {
            if (entry.Key is YamlScalarNode scalar && scalar.Value == key)
            {
                return entry.Value;
            }
        }

        return null;
    }

    private static YamlScalarNode? Scalar(YamlMappingNode mapping, string key) => Child(mapping, key) as YamlScalarNode;

    private static Location At(string path, SourceText text, YamlNode node) => At(path, text, (int)node.Start.Line, (int)node.Start.Column);

    /// <summary>A location in the file from YamlDotNet's 1-based line and column.</summary>
    private static Location At(string path, SourceText text, int line, int column)
    {
        var lineIndex = Math.Max(0, Math.Min(line - 1, text.Lines.Count - 1));
        var start = text.Lines.Count == 0 ? 0 : text.Lines[lineIndex].Start + Math.Max(0, column - 1);
        start = Math.Min(start, text.Length);
        var position = new LinePosition(lineIndex, Math.Max(0, column - 1));
        return Location.Create(path, new TextSpan(start, 0), new LinePositionSpan(position, position));
    }
}
