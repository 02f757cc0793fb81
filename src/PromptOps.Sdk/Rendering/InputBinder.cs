using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Fluid;
using Fluid.Values;

namespace PromptOps;

/// <summary>
/// Checks the values a caller passes against a prompt's declared inputs and converts them to plain Liquid values.
/// Values are data: they are inserted as text and are never parsed as templates.
/// </summary>
internal static class InputBinder
{
    private const int MaxDepth = 32;
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> s_properties = new();

    /// <summary>Turns the <c>inputs</c> argument of <c>Render(object?)</c> into a name/value dictionary.</summary>
    public static IReadOnlyDictionary<string, object?> ToDictionary(object? inputs) => inputs switch
    {
        null => new Dictionary<string, object?>(),
        IReadOnlyDictionary<string, object?> dictionary => dictionary,
        IDictionary<string, object?> dictionary => dictionary.AsReadOnly(),
        IDictionary dictionary => dictionary.Keys.Cast<object>().ToDictionary(key => Convert.ToString(key, CultureInfo.InvariantCulture) ?? string.Empty, key => dictionary[key]),
        JsonElement { ValueKind: JsonValueKind.Object } json => json.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value),
        _ when IsPlainObject(inputs.GetType()) => Properties(inputs.GetType()).ToDictionary(p => p.Name, p => p.GetValue(inputs)),
        _ => throw new ArgumentException($"Inputs of type '{inputs.GetType()}' cannot be bound by name. Pass an anonymous object, a class with properties, or a dictionary.", nameof(inputs)),
    };

    /// <summary>
    /// Validates every declared input and returns the values in the order of <see cref="PromptDefinition.Inputs"/>, scalars normalised as
    /// <see cref="ToLiquid"/> does and lists or objects left as given (the compiled render path reads them in place);
    /// throws <see cref="PromptRenderException"/> on the first bad one.
    /// </summary>
    public static object?[] Bind(PromptDefinition prompt, IReadOnlyDictionary<string, object?> inputs)
    {
        var bound = new object?[prompt.Inputs.Count];
        for (var slot = 0; slot < bound.Length; slot++)
        {
            var input = prompt.Inputs[slot];
            var value = Lookup(inputs, input.Name, out var found);
            if (value is string text && input.Type == PromptInputType.String && (input.MaxLength is not { } limit || text.Length <= limit))
            {
                // The most common input, checked without the general type and normalisation rules below.
                bound[slot] = text;
                continue;
            }

            if (!found || value is null || value is JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined })
            {
                if (input.Required)
                {
                    throw Fail(prompt, input.Name, PromptDiagnosticCodes.MissingInput,
                        $"Prompt '{prompt.Id}' version {prompt.Version} requires the input '{input.Name}', which was not supplied. Pass a value for '{input.Name}' ({PromptFileParser.TypeName(input.Type)}).");
                }

                bound[slot] = input.HasDefault ? Normalize(input.DefaultValue) : null;
                continue;
            }

            if (!MatchesType(value, input.Type))
            {
                throw Fail(prompt, input.Name, PromptDiagnosticCodes.InputTypeMismatch,
                    $"The input '{input.Name}' of prompt '{prompt.Id}' version {prompt.Version} must be a {PromptFileParser.TypeName(input.Type)}, but a value of type '{Describe(value)}' was supplied. Pass a {PromptFileParser.TypeName(input.Type)}.");
            }

            var normalized = Normalize(value);
            if (input.MaxLength is { } maxLength && normalized is string normalizedText && normalizedText.Length > maxLength)
            {
                throw Fail(prompt, input.Name, PromptDiagnosticCodes.InputTooLong,
                    $"The input '{input.Name}' of prompt '{prompt.Id}' version {prompt.Version} is {normalizedText.Length:N0} characters long, over its max_length of {maxLength:N0}. Shorten the value or raise max_length in the prompt file.");
            }

            bound[slot] = normalized;
        }

        return bound;
    }

    /// <summary>Converts a bound input to the value Fluid renders: text, numbers, booleans, nil, lists and dictionaries only.</summary>
    public static FluidValue ToFluidValue(object? value, TemplateOptions options) => value switch
    {
        null => NilValue.Instance,
        string text => StringValue.Create(text),

        // Lists and dictionaries of plain values are handed over as they are; anything else is converted into them.
        _ => FluidValue.Create(IsPlain(value, 0) ? value : ToLiquid(value, 0), options),
    };

    /// <summary>Whether a value already is plain data (text, numbers, booleans, nil, lists and string-keyed dictionaries of them).</summary>
    private static bool IsPlain(object? value, int depth)
    {
        switch (value)
        {
            case null or string or bool or int or long or double or decimal:
                return true;
            case IDictionary<string, object?> dictionary when depth < MaxDepth:
                foreach (var item in dictionary.Values)
                {
                    if (!IsPlain(item, depth + 1))
                    {
                        return false;
                    }
                }

                return true;
            case IList list when depth < MaxDepth:
                foreach (var item in list)
                {
                    if (!IsPlain(item, depth + 1))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Turns CLR and JSON values into strings, numbers, booleans, lists and name/value dictionaries; scalars become what
    /// Liquid compares and prints (an enum its name, a date its invariant text).
    /// </summary>
    public static object? Normalize(object? value)
    {
        // The values that pass unchanged are tested first (exact type checks, no reflection).
        if (value is null or string or int or long or bool or double or decimal || value is not ValueType)
        {
            return value;
        }

        return value switch
        {
            char c => c.ToString(),
            float f => (double)f,
            short or byte or sbyte or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
            ulong u => (decimal)u,
            Enum e => e.ToString(),
            DateTime or DateTimeOffset or Guid or TimeSpan => Convert.ToString(value, CultureInfo.InvariantCulture),
            JsonElement json => json.ValueKind switch
            {
                JsonValueKind.String => json.GetString(),
                JsonValueKind.Number => json.TryGetInt64(out var integer) ? (object)integer : json.GetDouble(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Array or JsonValueKind.Object => json,
                _ => null,
            },
            _ => value,
        };
    }

    /// <summary>Whether a value (CLR or JSON) has the declared input type.</summary>
    public static bool MatchesType(object? value, PromptInputType type)
    {
        if (value is null)
        {
            return true;
        }

        if (value is JsonElement json)
        {
            return type switch
            {
                PromptInputType.String => json.ValueKind == JsonValueKind.String,
                PromptInputType.Number => json.ValueKind == JsonValueKind.Number,
                PromptInputType.Integer => json.ValueKind == JsonValueKind.Number && json.TryGetInt64(out _),
                PromptInputType.Boolean => json.ValueKind is JsonValueKind.True or JsonValueKind.False,
                PromptInputType.Array => json.ValueKind == JsonValueKind.Array,
                PromptInputType.Object => json.ValueKind == JsonValueKind.Object,
                _ => false,
            };
        }

        return type switch
        {
            PromptInputType.String => value is string or char,
            PromptInputType.Number => IsInteger(value) || value is double or float or decimal,
            PromptInputType.Integer => IsInteger(value),
            PromptInputType.Boolean => value is bool,
            PromptInputType.Array => value is IEnumerable and not string and not IDictionary and not IReadOnlyDictionary<string, object?>,
            PromptInputType.Object => value is IDictionary or IReadOnlyDictionary<string, object?> || IsPlainObject(value.GetType()),
            _ => false,
        };
    }

    private static object? Lookup(IReadOnlyDictionary<string, object?> inputs, string name, out bool found)
    {
        if (inputs.TryGetValue(name, out var value))
        {
            found = true;
            return value;
        }

        // Let C# naming bind too: CompanyName or companyName supplies company_name.
        var normalized = Normalize(name);
        foreach (var (key, candidate) in inputs)
        {
            if (Normalize(key) == normalized)
            {
                found = true;
                return candidate;
            }
        }

        found = false;
        return null;
    }

    private static string Normalize(string name) => name.Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant();

    private static bool IsInteger(object value) => value is int or long or short or byte or sbyte or uint or ulong or ushort;

    private static bool IsPlainObject(Type type) =>
        !type.IsPrimitive && !type.IsEnum && type != typeof(string) && type != typeof(decimal) && !typeof(IEnumerable).IsAssignableFrom(type)
        && type != typeof(DateTime) && type != typeof(DateTimeOffset) && type != typeof(Guid) && type != typeof(TimeSpan);

    internal static PropertyInfo[] Properties(Type type) =>
        s_properties.GetOrAdd(type, t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0).ToArray());

    private static string Describe(object value) => value is JsonElement json ? "JSON " + json.ValueKind.ToString().ToLowerInvariant() : value.GetType().Name;

    private static PromptRenderException Fail(PromptDefinition prompt, string input, string code, string message) =>
        new(code, prompt.Id, prompt.Version.ToString(), input, message);

    /// <summary>Converts a value to plain data: strings, numbers, booleans, lists and dictionaries (objects also under snake_case names).</summary>
    internal static object? ToLiquid(object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"An input value is nested more than {MaxDepth} levels deep (or refers to itself). Pass a flatter value.");
        }

        // Scalars (and JSON scalars) are converted by the rules the compiled render path shares; containers below.
        value = Normalize(value);
        switch (value)
        {
            case null or string or bool or int or long or double or decimal:
                return value;
            case JsonElement json:
                return FromJson(json, depth);
            case IDictionary dictionary:
                var hash = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in dictionary)
                {
                    hash[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty] = ToLiquid(entry.Value, depth + 1);
                }

                return hash;
            case IReadOnlyDictionary<string, object?> readOnly:
                var readOnlyHash = new Dictionary<string, object?>(readOnly.Count, StringComparer.Ordinal);
                foreach (var (key, item) in readOnly)
                {
                    readOnlyHash[key] = ToLiquid(item, depth + 1);
                }

                return readOnlyHash;
            case IEnumerable items:
                return items.Cast<object?>().Select(item => ToLiquid(item, depth + 1)).ToList();
            default:
                var objectHash = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in Properties(value.GetType()))
                {
                    var converted = ToLiquid(property.GetValue(value), depth + 1);
                    objectHash[property.Name] = converted;
                    var snake = ToSnakeCase(property.Name);
                    if (snake != property.Name)
                    {
                        objectHash[snake] = converted;
                    }
                }

                return objectHash;
        }
    }

    /// <summary>Converts a JSON array or object (scalars are already converted by <see cref="Normalize(object?)"/>).</summary>
    private static object? FromJson(JsonElement json, int depth) => json.ValueKind switch
    {
        JsonValueKind.Array => json.EnumerateArray().Select(item => ToLiquid(item, depth + 1)).ToList(),
        JsonValueKind.Object => ToLiquid(json.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value), depth),
        _ => null,
    };

    internal static string ToSnakeCase(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
