namespace PromptOps;

/// <summary>Settings of the SQLite store added by <c>AddSqliteStore(...)</c>.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Gets or sets how many call records the background writer puts in one transaction at most.</summary>
    /// <value>The default value is 500.</value>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Gets or sets how many call records may wait for the writer. When it is full, the hand-off from the calls waits (the
    /// calls themselves never do: the core's queue in front of every sink counts what it has to drop).
    /// </summary>
    /// <value>The default value is 50,000.</value>
    public int QueueCapacity { get; set; } = 50_000;

    /// <summary>Gets or sets how many times a batch that failed to write (file locked, disk full) is tried again before its records are counted as dropped.</summary>
    /// <value>The default value is 3.</value>
    public int WriteRetries { get; set; } = 3;

    /// <summary>Gets or sets the wait before the first retry; each further retry waits four times longer.</summary>
    /// <value>The default value is 100 milliseconds.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets how long shutdown waits for the writer to store what is buffered.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets after how many days call records are deleted, or <see langword="null"/> to keep them forever.</summary>
    /// <value>The default value is <see langword="null"/> (retention off).</value>
    public int? RetentionDays { get; set; }

    /// <summary>Gets or sets how long a connection waits for another writer (another process) to release the file.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    internal void Validate()
    {
        Check(BatchSize is >= 1 and <= 100_000, nameof(BatchSize), BatchSize, "between 1 and 100,000");
        Check(QueueCapacity is >= 1 and <= 10_000_000, nameof(QueueCapacity), QueueCapacity, "between 1 and 10,000,000");
        Check(WriteRetries is >= 0 and <= 100, nameof(WriteRetries), WriteRetries, "between 0 and 100");
        Check(RetryDelay >= TimeSpan.Zero && RetryDelay <= TimeSpan.FromMinutes(1), nameof(RetryDelay), RetryDelay, "between 0 and 1 minute");
        Check(ShutdownTimeout >= TimeSpan.Zero && ShutdownTimeout <= TimeSpan.FromMinutes(10), nameof(ShutdownTimeout), ShutdownTimeout, "between 0 and 10 minutes");
        Check(RetentionDays is null or >= 1, nameof(RetentionDays), RetentionDays, "at least 1 (or null to keep records forever)");
        Check(BusyTimeout >= TimeSpan.Zero && BusyTimeout <= TimeSpan.FromMinutes(10), nameof(BusyTimeout), BusyTimeout, "between 0 and 10 minutes");
    }

    private static void Check(bool ok, string name, object? value, string range)
    {
        if (!ok)
        {
            throw new ArgumentException($"SqliteStoreOptions.{name} is {value}; it must be {range}.", name);
        }
    }
}
