using System.Collections;
using System.Diagnostics;

namespace PromptOps.Tests.TestSupport;

/// <summary>
/// Spans an in-memory exporter collects. Listeners are process-wide, so spans of tests running in parallel arrive while a
/// test reads: adding is locked, and enumerating reads a copy.
/// </summary>
internal sealed class SpanList : ICollection<Activity>
{
    private readonly List<Activity> _spans = [];

    public int Count
    {
        get
        {
            lock (_spans)
            {
                return _spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public void Add(Activity item)
    {
        lock (_spans)
        {
            _spans.Add(item);
        }
    }

    public void Clear()
    {
        lock (_spans)
        {
            _spans.Clear();
        }
    }

    public bool Contains(Activity item) => Snapshot().Contains(item);

    public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

    public bool Remove(Activity item)
    {
        lock (_spans)
        {
            return _spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)Snapshot()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private Activity[] Snapshot()
    {
        lock (_spans)
        {
            return [.. _spans];
        }
    }
}
