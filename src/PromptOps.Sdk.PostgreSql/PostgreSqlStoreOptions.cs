namespace PromptOps;

/// <summary>
/// Settings of the PostgreSQL store added by <c>AddPostgreSqlStore(...)</c>. How records are batched, retried and flushed is
/// set for every sink in <see cref="PromptOpsCallOptions"/> (<c>PromptOps:Calls</c>).
/// </summary>
public sealed class PostgreSqlStoreOptions
{
    /// <summary>Gets or sets the schema that holds the store's tables, so several applications can share one database.</summary>
    /// <value>The default value is <c>promptops</c>.</value>
    public string Schema { get; set; } = "promptops";

    /// <summary>
    /// Gets or sets whether the store creates and upgrades its schema when the host starts. Turn it off when migrations are run
    /// by your own pipeline: apply <see cref="PostgreSqlStore.GetMigrationScript"/>; the store then only checks the version.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>Gets or sets after how many days call records are deleted, or <see langword="null"/> to keep them forever.</summary>
    /// <value>The default value is <see langword="null"/> (retention off).</value>
    public int? RetentionDays { get; set; }

    /// <summary>
    /// Gets or sets how long a slice of a spend budget leased by an instance stays its own without renewal. Instances renew
    /// every third of it; the slices of an instance that died return to the others when it ends.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    internal void Validate()
    {
        PostgreSqlDatabase.ValidateSchema(Schema);
        Check(RetentionDays is null or >= 1, nameof(RetentionDays), RetentionDays, "at least 1 (or null to keep records forever)");
        Check(LeaseDuration >= TimeSpan.FromSeconds(1) && LeaseDuration <= TimeSpan.FromHours(1), nameof(LeaseDuration), LeaseDuration, "between 1 second and 1 hour");
    }

    private static void Check(bool ok, string name, object? value, string range)
    {
        if (!ok)
        {
            throw new ArgumentException($"PostgreSqlStoreOptions.{name} is {value}; it must be {range}.", name);
        }
    }
}
