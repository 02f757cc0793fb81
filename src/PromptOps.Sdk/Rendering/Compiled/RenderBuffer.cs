using System.Text;

namespace PromptOps;

/// <summary>
/// One reusable <see cref="StringBuilder"/> per thread for the compiled render path, so a render allocates only the
/// strings it returns. A builder is taken out of the cache while in use, so a nested render gets its own.
/// </summary>
internal static class RenderBuffer
{
    private const int MaxRetainedCapacity = 16 * 1024;

    [ThreadStatic]
    private static StringBuilder? t_cached;

    public static StringBuilder Acquire(int capacity)
    {
        var builder = t_cached;
        if (builder is not null && capacity <= builder.Capacity)
        {
            t_cached = null;
            builder.Clear();
            return builder;
        }

        return new StringBuilder(Math.Max(capacity, 64));
    }

    public static void Release(StringBuilder builder)
    {
        if (builder.Capacity <= MaxRetainedCapacity)
        {
            t_cached = builder;
        }
    }
}
