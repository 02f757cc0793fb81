using System.ComponentModel.DataAnnotations;

namespace PromptOps;

/// <summary>Settings of call records, bound from <c>PromptOps:Calls</c>.</summary>
public sealed class PromptOpsCallOptions
{
    /// <summary>Gets or sets how much of each call's content goes into its record.</summary>
    /// <value>The default value is <see cref="PromptCallContentCapture.Redacted"/>.</value>
    public PromptCallContentCapture ContentCapture { get; set; } = PromptCallContentCapture.Redacted;

    /// <summary>Gets or sets how many records may wait for the sinks before new ones are dropped (and counted).</summary>
    /// <value>The default value is 10,000.</value>
    [Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Gets or sets how long shutdown waits for the sinks to write what is buffered.</summary>
    /// <value>The default value is 5 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
