namespace PromptOps;

/// <summary>One declared input of a prompt (an entry under <c>inputs:</c>).</summary>
public sealed class PromptInputDefinition
{
    internal PromptInputDefinition(string name, PromptInputType type, bool required, bool hasDefault, object? defaultValue, int? maxLength, string? description, int line = 0, int column = 0)
    {
        Line = line;
        Column = column;
        // Interned, like the identifiers of compiled templates: a caller's literal key ("company_name") is then the same
        // string, and binding the inputs compares references instead of characters.
        Name = string.Intern(name);
        Type = type;
        Required = required;
        HasDefault = hasDefault;
        DefaultValue = defaultValue;
        MaxLength = maxLength;
        Description = description;
    }

    /// <summary>Gets the input name, as used in templates.</summary>
    public string Name { get; }

    /// <summary>Gets the declared type.</summary>
    /// <value>The default value is <see cref="PromptInputType.String"/>.</value>
    public PromptInputType Type { get; }

    /// <summary>Gets a value indicating whether rendering fails when the input is not supplied.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Required { get; }

    /// <summary>Gets a value indicating whether the file declares a default value.</summary>
    public bool HasDefault { get; }

    /// <summary>Gets the default value used when the input is not supplied (strings, numbers, booleans, lists and dictionaries).</summary>
    public object? DefaultValue { get; }

    /// <summary>Gets the maximum length in characters of a string input, or <see langword="null"/> for no limit.</summary>
    public int? MaxLength { get; }

    /// <summary>Gets the optional human description of the input.</summary>
    public string? Description { get; }

    internal int Line { get; }

    internal int Column { get; }
}
