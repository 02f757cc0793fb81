using System.Globalization;
using System.Text;

namespace PromptOps;

/// <summary>A string writer that stops a render once its output passes a size limit.</summary>
internal sealed class BoundedStringWriter(int maxLength) : StringWriter(CultureInfo.InvariantCulture)
{
    public override void Write(char value)
    {
        EnsureRoom(1);
        base.Write(value);
    }

    public override void Write(string? value)
    {
        EnsureRoom(value?.Length ?? 0);
        base.Write(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        EnsureRoom(count);
        base.Write(buffer, index, count);
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        EnsureRoom(buffer.Length);
        base.Write(buffer);
    }

    public override void Write(StringBuilder? value)
    {
        EnsureRoom(value?.Length ?? 0);
        base.Write(value);
    }

    private void EnsureRoom(int count)
    {
        if (GetStringBuilder().Length + count > maxLength)
        {
            throw new RenderOutputLimitException(maxLength);
        }
    }
}

/// <summary>Thrown inside a render when the output passes <see cref="PromptRenderLimits.MaxOutputLength"/>.</summary>
internal sealed class RenderOutputLimitException(int maxLength)
    : Exception($"The rendered text passed the limit of {maxLength:N0} characters.")
{
    public int MaxLength { get; } = maxLength;
}
