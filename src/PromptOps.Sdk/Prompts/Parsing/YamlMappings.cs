using YamlDotNet.RepresentationModel;

namespace PromptOps;

/// <summary>What the small YAML files (skills.yaml, labels.yaml) read from a mapping: a scalar by key, and warnings for unknown keys.</summary>
internal static class YamlMappings
{
    public static YamlScalarNode? Scalar(YamlMappingNode values, string key) =>
        values.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node as YamlScalarNode : null;

    /// <summary>
    /// Warns (PO1002) about every key of the mapping outside the known ones, suggesting the nearest one. The subject starts the
    /// sentence and says what the mapping is: <c>Skill 'orders'</c>, <c>The label production/x</c>.
    /// </summary>
    public static void WarnUnknownKeys(YamlMappingNode values, string[] known, string subject, string path, List<PromptDiagnostic> diagnostics)
    {
        foreach (var key in values.Children.Keys.OfType<YamlScalarNode>().Where(k => !known.Contains(k.Value)))
        {
            var nearest = KeySuggester.Nearest(key.Value ?? string.Empty, known);
            diagnostics.Add(new PromptDiagnostic(PromptDiagnosticCodes.UnknownKey, PromptDiagnosticSeverity.Warning,
                $"{subject} has an unknown key '{key.Value}'; it is ignored." + (nearest is null ? $" Known keys: {string.Join(", ", known)}." : $" Did you mean '{nearest}'?"),
                path, (int)key.Start.Line, (int)key.Start.Column));
        }
    }
}
