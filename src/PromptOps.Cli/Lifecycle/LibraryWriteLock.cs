namespace PromptOps.Cli.Lifecycle;

/// <summary>
/// Serialises the verbs that write into a prompt library (<c>publish</c>, <c>lock</c>): an exclusive handle on
/// <c>&lt;dir&gt;/.promptops-write.lock</c>, held until disposed. A second writer fails at once with a clear message instead of
/// interleaving its writes with the first. The operating system releases the handle if the process dies.
/// </summary>
internal sealed class LibraryWriteLock : IDisposable
{
    public const string FileName = ".promptops-write.lock";
    private readonly FileStream _handle;

    private LibraryWriteLock(FileStream handle) => _handle = handle;

    /// <summary>Takes the lock, or throws <see cref="LibraryBusyException"/> when another writer holds it.</summary>
    public static LibraryWriteLock Acquire(string directory, string verb)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            var handle = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            return new LibraryWriteLock(handle);
        }
        catch (IOException ex)
        {
            throw new LibraryBusyException($"Another 'promptops publish' or 'promptops lock' is writing to '{directory}' ({ex.Message.TrimEnd('.')}). Nothing was changed by this '{verb}'; run it again when the other one has finished.");
        }
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>Another process is writing to the library; nothing was changed (exit code 1).</summary>
internal sealed class LibraryBusyException(string message) : Exception(message);
