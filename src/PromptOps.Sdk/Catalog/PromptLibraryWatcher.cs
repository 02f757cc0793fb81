using Microsoft.Extensions.Logging;

namespace PromptOps;

/// <summary>
/// Watches the directories of the sources added with <c>watch: true</c> and asks for one reload per burst of edits
/// (editors save as truncate, write and rename): 150 ms after the last change. A reload that throws is logged, never
/// raised on the timer's thread, where it would end the process.
/// </summary>
internal sealed partial class PromptLibraryWatcher : IDisposable
{
    private static readonly TimeSpan s_debounce = TimeSpan.FromMilliseconds(150);

    private readonly Action _reload;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Lock _lock = new();
    private ITimer? _pending;
    private bool _disposed;

    public PromptLibraryWatcher(IEnumerable<string> directories, Action reload, TimeProvider timeProvider, ILogger logger)
    {
        _reload = reload;
        _timeProvider = timeProvider;
        _logger = logger;
        foreach (var directory in directories)
        {
            var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.DirectoryName };
            watcher.Changed += OnFileChanged;
            watcher.Created += OnFileChanged;
            watcher.Deleted += OnFileChanged;
            watcher.Renamed += OnFileChanged;
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _pending?.Dispose();
        }

        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
    }

    private void OnFileChanged(object sender, FileSystemEventArgs e)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _pending?.Dispose();
            _pending = _timeProvider.CreateTimer(_ => ReloadSafely(), null, s_debounce, Timeout.InfiniteTimeSpan);
        }
    }

    private void ReloadSafely()
    {
        try
        {
            _reload();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogReloadFailed(_logger, ex);
        }
    }

    [LoggerMessage(EventId = 1009, Level = LogLevel.Error, Message = "The prompt library could not be reloaded; the last good version of every prompt is still served.")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);
}
