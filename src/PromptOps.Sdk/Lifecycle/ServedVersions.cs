namespace PromptOps;

/// <summary>
/// What one environment serves, computed once per (library, options) pair: the effective label of each prompt
/// (<c>labels.yaml</c> overridden by <c>PromptOps:Labels</c>) with the templates it serves, each carrying its variant and
/// label in its <see cref="PromptReference"/>. The catalog swaps the whole object when the library or the options change.
/// </summary>
internal sealed class ServedVersions
{
    private readonly Dictionary<string, ServedLabel> _labels;

    private ServedVersions(PromptLibrary library, PromptOpsOptions options, StoreActivations activations, string environment, Dictionary<string, ServedLabel> labels)
    {
        Library = library;
        Options = options;
        Activations = activations;
        Environment = environment;
        _labels = labels;
    }

    /// <summary>Gets the store's activations this was built with.</summary>
    public StoreActivations Activations { get; }

    public PromptLibrary Library { get; }

    public PromptOpsOptions Options { get; }

    public string Environment { get; }

    public IEnumerable<ServedLabel> Labels => _labels.Values;

    /// <summary>The labelled version for a user, or <see langword="null"/> when the prompt has no label in this environment.</summary>
    public PromptTemplate? Find(string id, string? userId) => _labels.TryGetValue(id, out var label) ? label.Choose(userId) : null;

    public ServedLabel? GetLabel(string id) => _labels.GetValueOrDefault(id);

    /// <summary>
    /// Builds what the options' environment serves: <c>labels.yaml</c>, overridden by configuration (<c>PromptOps:Labels</c>),
    /// overridden by the latest activation in the activation log. A label that cannot be served (unknown prompt or version, a draft) is
    /// reported in <paramref name="problems"/>; it keeps its entry from <paramref name="previous"/> when there is one (a bad
    /// reload never changes what is served), otherwise the prompt falls back to nothing and the caller must fail.
    /// </summary>
    public static ServedVersions Build(PromptLibrary library, PromptOpsOptions options, ServedVersions? previous, List<PromptDiagnostic> problems, StoreActivations? activations = null)
    {
        activations ??= StoreActivations.None;
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

        foreach (var activation in activations.For(environment))
        {
            var source = $"activation by {activation.ActivatedBy} at {activation.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z";
            if (LabelsFileParser.TryParseText(activation.ToVersion, out var variants, out var salt, out var error))
            {
                effective[activation.PromptId.ToLowerInvariant()] = new PromptLabel(environment, activation.PromptId.ToLowerInvariant(), variants, salt, source);
            }
            else
            {
                problems.Add(new PromptDiagnostic(PromptDiagnosticCodes.InvalidLabels, PromptDiagnosticSeverity.Error, $"The {source} of {activation.PromptId} is '{activation.ToVersion}', which is invalid: {error}"));
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

        return new ServedVersions(library, options, activations, environment, served);
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

/// <summary>The latest activation of each prompt in each environment, as read from the activation log; immutable.</summary>
internal sealed class StoreActivations
{
    private readonly Dictionary<(string Environment, string PromptId), PromptActivation> _latest;

    private StoreActivations(Dictionary<(string Environment, string PromptId), PromptActivation> latest, string key)
    {
        _latest = latest;
        Key = key;
    }

    public static StoreActivations None { get; } = new([], string.Empty);

    /// <summary>Gets a text that differs whenever what the activations serve differs.</summary>
    public string Key { get; }

    /// <summary>Keeps, per environment and prompt, the newest <see cref="PromptActivationKind.Activated"/> entry of a history (oldest first).</summary>
    public static StoreActivations From(IEnumerable<PromptActivation> history)
    {
        var latest = new Dictionary<(string, string), PromptActivation>();
        foreach (var activation in history.Where(a => a.Kind == PromptActivationKind.Activated))
        {
            latest[(activation.Environment.ToLowerInvariant(), activation.PromptId.ToLowerInvariant())] = activation;
        }

        var key = string.Join('\n', latest.OrderBy(p => p.Key.Item1, StringComparer.Ordinal).ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
            .Select(p => $"{p.Key.Item1}|{p.Key.Item2}|{p.Value.ToVersion}|{p.Value.Timestamp.UtcTicks}|{p.Value.ActivatedBy}"));
        return new StoreActivations(latest, key);
    }

    public IEnumerable<PromptActivation> For(string environment) =>
        _latest.Where(p => p.Key.Environment.Equals(environment, StringComparison.OrdinalIgnoreCase)).Select(p => p.Value);
}
