using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace PromptOps;

/// <summary>
/// The catalog registered by <c>AddPromptOps()</c>: loads every registered source at start (failing with every
/// diagnostic when there is an error), serves the version each label chooses, and reloads when a watched directory
/// changes (<see cref="PromptLibraryWatcher"/>), keeping the last good version of any file whose edit is invalid.
/// </summary>
internal sealed partial class PromptCatalog : IPromptCatalog, IDisposable
{
    private readonly PromptSource[] _sources;
    private readonly IOptionsMonitor<PromptOpsOptions> _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly PromptLibraryWatcher _watcher;
    private readonly Lock _reloadLock = new();
    private PromptLibrary _library;
    private CancellationTokenSource _reloadTokenSource = new();
    private bool _disposed;

    private readonly ISkillRegistry? _skills;
    private readonly ConditionalWeakTable<PromptTemplate, PromptTemplate> _withSkills = [];
    private readonly IActivationLog? _activations;
    private readonly Lock _servedLock = new();
    private ServedVersions _served;
    private StoreActivations _storeActivations = StoreActivations.None;

    public PromptCatalog(IEnumerable<PromptSource> sources, IOptionsMonitor<PromptOpsOptions> options, ILogger<PromptCatalog> logger, TimeProvider timeProvider, ISkillRegistry? skills = null, IActivationLog? activations = null)
    {
        _skills = skills;
        _activations = activations;
        _sources = sources.DistinctBy(s => s.Key).ToArray();
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
        if (_sources.Length == 0)
        {
            throw new PromptValidationException([new PromptDiagnostic(PromptDiagnosticCodes.SourceNotFound, PromptDiagnosticSeverity.Error,
                "No prompt source is registered. Call AddEmbeddedPrompts(typeof(Program).Assembly) or AddPromptDirectory(\"prompts\") on the builder returned by AddPromptOps().")]);
        }

        _library = LoadAll();
        if (_library.HasErrors)
        {
            throw new PromptValidationException(_library.Diagnostics);
        }

        var labelProblems = new List<PromptDiagnostic>();
        _served = ServedVersions.Build(_library, _options.CurrentValue, null, labelProblems);
        if (labelProblems.Any(d => d.IsError))
        {
            throw new PromptValidationException(labelProblems);
        }

        LogLoaded(_logger, _library.Prompts.Count, _sources.Length);
        foreach (var label in _served.Labels)
        {
            LogServing(_logger, label.Label.PromptId, _served.Environment, label.Label, label.Label.Source);
        }

        // Label warnings from configuration (the file's own are already among the library's diagnostics).
        foreach (var warning in _library.Diagnostics.Concat(labelProblems.Where(d => d.FilePath is null)))
        {
            // A library that has no lock file yet (a new app) is told so by 'promptops lint'; at every start it is news once
            // at most, not a warning a team learns to ignore.
            if (warning.Code == PromptDiagnosticCodes.LockEntryMissing && warning.FilePath?.EndsWith(PromptLock.FileName, StringComparison.Ordinal) == true)
            {
                LogNoLockFile(_logger, warning);
                continue;
            }

            LogDiagnostic(_logger, warning.ToString());
        }

        _watcher = new PromptLibraryWatcher(_sources.Select(s => s.WatchDirectory).OfType<string>(), Reload, _timeProvider, _logger);
    }

    public IReadOnlyList<PromptDiagnostic> Diagnostics => Volatile.Read(ref _library).Diagnostics;

    /// <summary>Gets the environment whose labels are served.</summary>
    internal string ServedEnvironment => CurrentServed().Environment;

    public PromptTemplate Get(string id) =>
        TryGet(id, out var prompt) ? prompt : throw PromptNotFoundException.For(Volatile.Read(ref _library), id, null);

    public PromptTemplate Get(string id, string version) =>
        TryGet(id, version, out var prompt) ? prompt : throw PromptNotFoundException.For(Volatile.Read(ref _library), id, version);

    public bool TryGet(string id, [NotNullWhen(true)] out PromptTemplate? prompt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var served = CurrentServed();
        prompt = WithSkills(served.Find(id, PromptOpsContext.Current?.UserId) ?? served.Library.FindDefault(id, served.Options.AllowDrafts));
        return prompt is not null;
    }

    public bool TryGet(string id, string version, [NotNullWhen(true)] out PromptTemplate? prompt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        prompt = WithSkills(Volatile.Read(ref _library).FindVersion(id, version));
        return prompt is not null;
    }

    public IReadOnlyList<PromptTemplate> List() => Volatile.Read(ref _library).Prompts;

    /// <summary>
    /// What is served now. Rebuilt when the library reloads or the options change (IOptionsMonitor hands out a new
    /// instance on every configuration reload, so a reference comparison is the whole check on the hot path).
    /// </summary>
    private ServedVersions CurrentServed()
    {
        var served = Volatile.Read(ref _served);
        var options = _options.CurrentValue;
        var activations = Volatile.Read(ref _storeActivations);
        if (ReferenceEquals(served.Options, options) && ReferenceEquals(served.Library, Volatile.Read(ref _library)) && ReferenceEquals(served.Activations, activations))
        {
            return served;
        }

        lock (_servedLock)
        {
            var previous = _served;
            var library = Volatile.Read(ref _library);
            if (ReferenceEquals(previous.Options, options) && ReferenceEquals(previous.Library, library) && ReferenceEquals(previous.Activations, activations))
            {
                return previous;
            }

            var problems = new List<PromptDiagnostic>();
            var next = ServedVersions.Build(library, options, previous, problems, activations);
            if (problems.Any(d => d.IsError))
            {
                LogLabelRejected(_logger, string.Join(Environment.NewLine, problems.Where(d => d.IsError)));
            }

            Volatile.Write(ref _served, next);
            RecordSwitches(previous, next);
            return next;
        }
    }

    /// <summary>
    /// Takes the latest activations read from the activation log; the next <see cref="Get(string)"/> serves them. Unchanged
    /// activations change nothing.
    /// </summary>
    internal void ApplyActivations(StoreActivations activations)
    {
        if (activations.Key != Volatile.Read(ref _storeActivations).Key)
        {
            Volatile.Write(ref _storeActivations, activations);
            _ = CurrentServed();
        }
    }

    /// <summary>Gets the library the catalog serves from, for validating activations.</summary>
    internal PromptLibrary Library => Volatile.Read(ref _library);

    /// <summary>Gets what the served environment serves for a prompt now, in label form, or <see langword="null"/> without a label.</summary>
    internal string? ServedLabelOf(string id) => CurrentServed().GetLabel(id)?.Label.ToString();

    /// <summary>Logs and records every prompt whose served version changed between two builds.</summary>
    private void RecordSwitches(ServedVersions previous, ServedVersions next)
    {
        var ids = previous.Labels.Select(l => l.Label.PromptId).Union(next.Labels.Select(l => l.Label.PromptId), StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var before = Describe(previous, id);
            var after = Describe(next, id);
            if (before.Text == after.Text && previous.Environment.Equals(next.Environment, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            LogSwitched(_logger, id, next.Environment, after.Text, before.Text, after.Source);
            if (_activations is null || after.Source.StartsWith("activation ", StringComparison.Ordinal))
            {
                continue;
            }

            var activation = new PromptActivation
            {
                PromptId = id,
                Environment = next.Environment,
                FromVersion = previous.GetLabel(id)?.Label.ToString(),
                ToVersion = after.Text,
                ActivatedBy = "configuration",
                Kind = PromptActivationKind.Observed,
                Timestamp = _timeProvider.GetUtcNow(),
                Reason = $"served version changed by {after.Source}",
            };
            _ = RecordAsync(activation);
        }

        static (string Text, string Source) Describe(ServedVersions served, string id) =>
            served.GetLabel(id) is { } label
                ? (label.Label.ToString(), label.Label.Source ?? LabelsFileParser.FileName)
                : (served.Library.FindDefault(id, served.Options.AllowDrafts)?.Version.ToString() ?? "nothing", "no label (highest published version)");
    }

    private async Task RecordAsync(PromptActivation activation)
    {
        try
        {
            await _activations!.RecordAsync(activation).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogActivationNotRecorded(_logger, ex, activation.ToString());
        }
    }

    /// <summary>Attaches the skill registry to a prompt that uses skills, so its renders carry the skills' tools.</summary>
    private PromptTemplate? WithSkills(PromptTemplate? prompt) =>
        prompt is not null && _skills is not null && prompt.Definition.Skills.Count > 0
            ? _withSkills.GetValue(prompt, p => p.WithSkills(_skills))
            : prompt;

    public IChangeToken GetReloadToken() => new CancellationChangeToken(Volatile.Read(ref _reloadTokenSource).Token);

    /// <summary>Reloads every source now. Invalid files keep serving their last good version.</summary>
    internal void Reload()
    {
        CancellationTokenSource previousToken;
        lock (_reloadLock)
        {
            if (_disposed)
            {
                return;
            }

            var fresh = LoadAll();
            var next = fresh.HasErrors ? fresh.KeepLastGood(_library) : fresh;
            Volatile.Write(ref _library, next);
            if (fresh.HasErrors)
            {
                LogReloadRejected(_logger, string.Join(Environment.NewLine, fresh.Diagnostics.Where(d => d.IsError)));
            }
            else
            {
                LogReloaded(_logger, next.Prompts.Count);
            }

            previousToken = _reloadTokenSource;
            _reloadTokenSource = new CancellationTokenSource();
        }

        previousToken.Cancel();
        previousToken.Dispose();
    }

    public void Dispose()
    {
        lock (_reloadLock)
        {
            _disposed = true;
        }

        _watcher.Dispose();
    }

    private PromptLibrary LoadAll() =>
        PromptLibraryLoader.Load(_sources.Select(source => source.Read()), _options.CurrentValue.RenderLimits);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Loaded {PromptCount} prompt versions from {SourceCount} source(s).")]
    private static partial void LogLoaded(ILogger logger, int promptCount, int sourceCount);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "{Diagnostic}")]
    private static partial void LogDiagnostic(ILogger logger, string diagnostic);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "{Diagnostic}")]
    private static partial void LogNoLockFile(ILogger logger, PromptDiagnostic diagnostic);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Reloaded the prompt library: {PromptCount} prompt versions.")]
    private static partial void LogReloaded(ILogger logger, int promptCount);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Prompt {PromptId} serves {Label} in {Environment} (from {Source}).")]
    private static partial void LogServing(ILogger logger, string promptId, string environment, PromptLabel label, string? source);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Prompt {PromptId} in {Environment} now serves {Label} (was {Previous}), set by {Source}.")]
    private static partial void LogSwitched(ILogger logger, string promptId, string environment, string label, string previous, string source);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "A label change was rejected; the affected prompts keep serving their previous version. Fix these settings:\n{Problems}")]
    private static partial void LogLabelRejected(ILogger logger, string problems);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "The activation log could not record: {Activation}")]
    private static partial void LogActivationNotRecorded(ILogger logger, Exception exception, string activation);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "A prompt edit was rejected; the last good version of each affected file is still served. Fix these problems:\n{Diagnostics}")]
    private static partial void LogReloadRejected(ILogger logger, string diagnostics);
}
