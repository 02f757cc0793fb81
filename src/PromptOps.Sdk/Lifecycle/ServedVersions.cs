namespace PromptOps;

/// <summary>
/// What one environment serves, computed once per (library, options) pair: the effective label of each prompt
/// (<c>labels.yaml</c> overridden by <c>PromptOps:Labels</c>) with the templates it serves, each carrying its variant and
/// label in its <see cref="PromptReference"/>. The catalog swaps the whole object when the library or the options change.
/// </summary>
internal sealed class ServedVersions
{
    private readonly Dictionary<string, ServedLabel> _labels;

    private ServedVersions(PromptLibrary library, PromptOpsOptions options, string environment, Dictionary<string, ServedLabel> labels)
    {
        Library = library;
        Options = options;
        Environment = environment;
        _labels = labels;
    }

    public PromptLibrary Library { get; }

    public PromptOpsOptions Options { get; }

    public string Environment { get; }

    public IEnumerable<ServedLabel> Labels => _labels.Values;

    /// <summary>The labelled version for a user, or <see langword="null"/> when the prompt has no label in this environment.</summary>
    public PromptTemplate? Find(string id, string? userId) => _labels.TryGetValue(id, out var label) ? label.Choose(userId) : null;

    public ServedLabel? GetLabel(string id) => _labels.GetValueOrDefault(id);

    /// <summary>
    /// Builds what the options' environment serves. A label that cannot be served (unknown prompt or version, a draft) is
    /// reported in <paramref name="problems"/>; it keeps its entry from <paramref name="previous"/> when there is one (a bad
    /// reload never changes what is served), otherwise the prompt falls back to nothing and the caller must fail.
    /// </summary>
    public static ServedVersions Build(PromptLibrary library, PromptOpsOptions options, ServedVersions? previous, List<PromptDiagnostic> problems)
    {
        var environment = string.IsNullOrWhiteSpace(options.Environment) ? "production" : options.Environment;
        var effective = library.LabelsOf(environment).ToDictionary(l => l.PromptId, StringComparer.Ordinal);
        foreach (var (environmentKey, prompts) in options.Labels.Where(pair => string.Equals(pair.Key, environment, StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var (id, text) in prompts ?? [])
            {
                var key = $"PromptOps:Labels:{environmentKey}:{id}";
                if (LabelsFileParser.TryParseText(text, out var variants, out var salt, out var error))
                {
                    effective[id.ToLowerInvariant()] = new PromptLabel(environment, id.ToLowerInvariant(), variants, salt, "configuration " + key);
                }
                else
                {
                    problems.Add(new PromptDiagnostic(PromptDiagnosticCodes.InvalidLabels, PromptDiagnosticSeverity.Error, $"{key} is '{text}', which is invalid: {error}"));
                }
            }
        }

        var served = new Dictionary<string, ServedLabel>(StringComparer.Ordinal);
        foreach (var label in effective.Values)
        {
            var found = new List<PromptDiagnostic>();
            LabelValidation.Check(label, library.GetVersions, library.Ids, label.Source ?? LabelsFileParser.FileName, found);
            problems.AddRange(found);
            if (found.Any(d => d.IsError))
            {
                if (previous?.GetLabel(label.PromptId) is { } lastGood && previous.Environment.Equals(environment, StringComparison.OrdinalIgnoreCase))
                {
                    served[label.PromptId] = lastGood;
                }

                continue;
            }

            served[label.PromptId] = new ServedLabel(label, [.. label.Variants.Select(v => Serve(library, label, v))]);
        }

        return new ServedVersions(library, options, environment, served);
    }

    private static PromptTemplate Serve(PromptLibrary library, PromptLabel label, PromptLabelVariant variant)
    {
        var template = library.FindVersion(label.PromptId, variant.Version)!;
        return template.WithReference(new PromptReference(template.Id, template.Version.ToString(), template.Definition.Feature, label.IsSplit ? variant.Name : null, label.Environment));
    }
}

/// <summary>One effective label and the templates of its variants, in the label's order.</summary>
internal sealed class ServedLabel(PromptLabel label, PromptTemplate[] templates)
{
    public PromptLabel Label { get; } = label;

    public PromptTemplate Choose(string? userId) => templates[Label.ChooseIndex(userId)];
}
