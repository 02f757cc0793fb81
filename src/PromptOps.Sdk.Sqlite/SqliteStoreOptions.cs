namespace PromptOps;

/// <summary>
/// Settings of the SQLite store added by <c>AddSqliteStore(...)</c>. How records are batched, retried and flushed is set
/// for every sink in <see cref="PromptOpsCallOptions"/> (<c>PromptOps:Calls</c>).
/// </summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Gets or sets after how many days call records are deleted, or <see langword="null"/> to keep them forever.</summary>
    /// <value>The default value is <see langword="null"/> (retention off).</value>
    public int? RetentionDays { get; set; }

    /// <summary>Gets or sets how long a connection waits for another writer (another process) to release the file.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    internal void Validate()
    {
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
