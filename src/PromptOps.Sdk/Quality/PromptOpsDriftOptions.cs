namespace PromptOps;

/// <summary>
/// Drift alerts (<c>PromptOps:Drift</c>): an instance with a store compares every prompt version's recent calls with the window
/// before, on a schedule, and raises a <see cref="PromptDriftAlert"/> when a change passes the rule of <c>promptops drift</c>.
/// </summary>
/// <remarks>
/// Off by default. In a fleet, turn it on in one instance (or a worker): each instance that runs it alerts on its own.
/// An alert fires once when a metric starts drifting, and again only after it was stable in between.
/// </remarks>
public sealed class PromptOpsDriftOptions
{
    /// <summary>Gets or sets a value indicating whether this instance checks for drift.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets how often to check.</summary>
    /// <value>The default value is 1 hour.</value>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the recent window, ending at each check.</summary>
    /// <value>The default value is 1 day.</value>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:05:00", "90.00:00:00")]
    public TimeSpan RecentWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Gets or sets the reference window, just before the recent one.</summary>
    /// <value>The default value is 7 days.</value>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:05:00", "365.00:00:00")]
    public TimeSpan ReferenceWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Gets or sets the fewest calls each window needs before a metric is compared.</summary>
    /// <value>The default value is 200.</value>
    [System.ComponentModel.DataAnnotations.Range(20, int.MaxValue)]
    public int MinimumCalls { get; set; } = 200;
}
