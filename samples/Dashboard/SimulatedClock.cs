namespace Dashboard;

/// <summary>
/// The app's clock. It is the system clock, except while the sample replays past traffic: then it stands at the moment of the
/// replayed call and moves forward by each simulated model latency, so records, budget periods and activations carry the
/// times they would have had, and latencies are measured as if a model had answered, without waiting for real.
/// </summary>
internal sealed class SimulatedClock : TimeProvider
{
    private readonly Lock _lock = new();
    private TimeSpan _offset;

    /// <summary>Gets whether past traffic is being replayed.</summary>
    public bool Replaying { get; private set; }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return System.GetUtcNow() + _offset;
        }
    }

    public override long GetTimestamp()
    {
        lock (_lock)
        {
            return System.GetTimestamp() + (long)(_offset.Ticks * (TimestampFrequency / (double)TimeSpan.TicksPerSecond));
        }
    }

    /// <summary>Starts or continues a replay at a past moment.</summary>
    public void ReplayAt(DateTimeOffset moment)
    {
        lock (_lock)
        {
            Replaying = true;
            _offset = moment - System.GetUtcNow();
        }
    }

    /// <summary>Lets simulated time pass during a replay.</summary>
    public void Advance(TimeSpan elapsed)
    {
        lock (_lock)
        {
            _offset += elapsed;
        }
    }

    /// <summary>Ends the replay: the clock is the system clock again.</summary>
    public void Live()
    {
        lock (_lock)
        {
            Replaying = false;
            _offset = TimeSpan.Zero;
        }
    }
}
