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

    /// <summary>
    /// Gets or sets how long records may wait before the background worker hands them to the sinks. The worker also wakes
    /// early when a batch (<see cref="BatchSizeLimit"/>, at most half the queue) is waiting, and on a flush or shutdown. Zero
    /// wakes it for every record: the lowest delay, at a cost of about 2 µs of the calling thread per call on a busy process.
    /// </summary>
    /// <value>The default value is 500 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan DeliveryInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets the most records a sink receives in one batch.</summary>
    /// <value>The default value is 500.</value>
    [Range(1, 100_000)]
    public int BatchSizeLimit { get; set; } = 500;

    /// <summary>Gets or sets how many times a batch a sink failed to write is handed to it again before its records are counted as lost.</summary>
    /// <value>The default value is 3.</value>
    [Range(0, 10)]
    public int WriteRetries { get; set; } = 3;

    /// <summary>Gets or sets the wait before the first retry of a failed batch; each further retry waits twice as long.</summary>
    /// <value>The default value is 100 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets how long shutdown waits for the sinks to write what is buffered.</summary>
    /// <value>The default value is 5 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
