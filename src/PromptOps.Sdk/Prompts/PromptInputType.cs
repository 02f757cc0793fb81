using System.Diagnostics.CodeAnalysis;

namespace PromptOps;

/// <summary>The declared type of a prompt input.</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The members mirror the type names of the prompt file format (JSON Schema types).")]
public enum PromptInputType
{
    /// <summary>Text. Other scalar values are not converted: pass a string.</summary>
    String = 0,

    /// <summary>Any number (integer or decimal).</summary>
    Number = 1,

    /// <summary>A whole number.</summary>
    Integer = 2,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean = 3,

    /// <summary>A list (any <see cref="System.Collections.IEnumerable"/> other than a string or a dictionary).</summary>
    Array = 4,

    /// <summary>A dictionary or an object whose public properties become fields.</summary>
    Object = 5,
}
