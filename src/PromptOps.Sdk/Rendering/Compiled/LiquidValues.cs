using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace PromptOps;

/// <summary>
/// The value rules of the compiled render path. They read the caller's input values where they are (dictionaries,
/// lists, JSON elements, plain objects) instead of converting them up front as DotLiquid needs, and give exactly the
/// results <see cref="InputBinder.ToLiquid"/> followed by DotLiquid would give. Any case whose DotLiquid result is not
/// modelled here throws <see cref="CompiledRenderUnsupportedException"/>, and the message is rendered by DotLiquid.
/// </summary>
internal static class LiquidValues
{
    private static readonly ConcurrentDictionary<Type, Dictionary<string, PropertyInfo>> s_members = new();

    /// <summary>Converts a scalar to the value Liquid sees (also for <see cref="InputBinder.ToLiquid"/>); lists, objects and JSON arrays and objects are returned unchanged.</summary>
    public static object? Normalize(object? value)
    {
        // The values that pass unchanged are tested first (exact type checks, no reflection); every type that ToLiquid
        // converts is a value type, so text, lists and objects pass straight through.
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

    /// <summary>Whether Liquid treats the (normalised) value as true: everything but nil and false.</summary>
    public static bool IsTruthy(object? value) => value is not (null or false);

    /// <summary>Whether the value is a list after <see cref="InputBinder.ToLiquid"/> (not text, not a hash).</summary>
    public static bool IsList(object? value) => value switch
    {
        JsonElement json => json.ValueKind == JsonValueKind.Array,
        string or IDictionary or IReadOnlyDictionary<string, object?> => false,
        IEnumerable => true,
        _ => false,
    };

    /// <summary>A list's items, each normalised when read; arrays and lists are read in place, without a copy.</summary>
    public static LiquidList Items(object list)
    {
        if (list is IList direct)
        {
            return new LiquidList(direct);
        }

        var items = new List<object?>();
        if (list is JsonElement json)
        {
            foreach (var item in json.EnumerateArray())
            {
                items.Add(Normalize(item));
            }

            return new LiquidList(items);
        }

        foreach (var item in (IEnumerable)list)
        {
            items.Add(Normalize(item));
        }

        return new LiquidList(items);
    }

    /// <summary>Reads <c>value.name</c>: a hash key, or <c>size</c>, <c>first</c> and <c>last</c> of a list.</summary>
    public static object? Member(object? value, string name)
    {
        switch (value)
        {
            case null:
                return null;
            case Dictionary<string, object?> dictionary:
                return dictionary.TryGetValue(name, out var stored) ? Normalize(stored) : MissingKey(name);
            case IReadOnlyDictionary<string, object?> readOnly:
                return readOnly.TryGetValue(name, out var found) ? Normalize(found) : MissingKey(name);
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (string.Equals(Convert.ToString(entry.Key, CultureInfo.InvariantCulture), name, StringComparison.Ordinal))
                    {
                        return Normalize(entry.Value);
                    }
                }

                return MissingKey(name);
            case JsonElement { ValueKind: JsonValueKind.Object } json:
                return json.TryGetProperty(name, out var property) ? Normalize(property) : MissingKey(name);
            case var list when IsList(list):
                return name switch
                {
                    "size" => Items(list).Count,
                    "first" => Items(list) is { Count: > 0 } items ? items[0] : null,
                    "last" => Items(list) is { Count: > 0 } items ? items[^1] : null,
                    _ => null,
                };
            case string or bool or int or long or double or decimal or JsonElement:
                throw new CompiledRenderUnsupportedException();
            default:
                return PlainObjectMember(value, name);
        }
    }

    /// <summary>Reads <c>value[index]</c> of a list.</summary>
    public static object? Index(object? value, int index)
    {
        if (value is null)
        {
            return null;
        }

        if (!IsList(value) || index < 0)
        {
            throw new CompiledRenderUnsupportedException();
        }

        var items = Items(value);
        return index < items.Count ? items[index] : null;
    }

    /// <summary>Appends the text DotLiquid would write for a value.</summary>
    public static void Write(StringBuilder output, object? value)
    {
        switch (value)
        {
            case null:
                return;
            case string text:
                output.Append(text);
                return;
            case bool flag:
                output.Append(flag ? "true" : "false");
                return;
            case int number:
                output.Append(number);
                return;
            case long number:
                output.Append(number);
                return;
            case var list when IsList(list):
                var items = Items(list);
                for (var i = 0; i < items.Count; i++)
                {
                    var item = items[i];
                    if (item is not (null or string or int or long))
                    {
                        throw new CompiledRenderUnsupportedException();
                    }

                    Write(output, item);
                }

                return;
            default:
                // doubles, decimals and hashes: their text is DotLiquid's own formatting.
                throw new CompiledRenderUnsupportedException();
        }
    }

    /// <summary>Whether two values are equal as Liquid's <c>==</c> decides, for the types where that is certain.</summary>
    public static bool AreEqual(object? left, object? right)
    {
        if (left is null || right is null)
        {
            return left is null && right is null;
        }

        if (IsInteger(left) && IsInteger(right))
        {
            return Convert.ToInt64(left, CultureInfo.InvariantCulture) == Convert.ToInt64(right, CultureInfo.InvariantCulture);
        }

        return (left, right) switch
        {
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (bool a, bool b) => a == b,
            _ => throw new CompiledRenderUnsupportedException(),
        };
    }

    /// <summary>Compares two integers; any other pair is left to DotLiquid.</summary>
    public static int CompareIntegers(object? left, object? right) =>
        IsInteger(left) && IsInteger(right)
            ? Convert.ToInt64(left, CultureInfo.InvariantCulture).CompareTo(Convert.ToInt64(right, CultureInfo.InvariantCulture))
            : throw new CompiledRenderUnsupportedException();

    /// <summary>Liquid's <c>contains</c> for text in text and text in a list of texts.</summary>
    public static bool Contains(object? left, object? right)
    {
        if (right is not string part)
        {
            throw new CompiledRenderUnsupportedException();
        }

        if (left is string text)
        {
            return text.Contains(part, StringComparison.Ordinal);
        }

        if (left is not null && IsList(left))
        {
            var items = Items(left);
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is not string candidate)
                {
                    throw new CompiledRenderUnsupportedException();
                }

                if (string.Equals(candidate, part, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        throw new CompiledRenderUnsupportedException();
    }

    public static bool IsInteger(object? value) => value is int or long;

    private static object? MissingKey(string name) =>
        name is "size" or "first" or "last" ? throw new CompiledRenderUnsupportedException() : null;

    private static object? PlainObjectMember(object value, string name)
    {
        var members = s_members.GetOrAdd(value.GetType(), static type =>
        {
            var byName = new Dictionary<string, PropertyInfo>(StringComparer.Ordinal);
            foreach (var property in InputBinder.Properties(type))
            {
                byName.TryAdd(property.Name, property);
            }

            foreach (var property in InputBinder.Properties(type))
            {
                byName.TryAdd(InputBinder.ToSnakeCase(property.Name), property);
            }

            return byName;
        });
        return members.TryGetValue(name, out var member) ? Normalize(member.GetValue(value)) : MissingKey(name);
    }
}

/// <summary>A list as the compiled path reads it: by position, each item normalised when read.</summary>
internal readonly struct LiquidList(IList items)
{
    public int Count => items.Count;

    public object? this[int index] => LiquidValues.Normalize(items[index]);
}

/// <summary>
/// Thrown inside the compiled render path when a value or operation is one whose DotLiquid result it does not model;
/// the message is then rendered by DotLiquid, so the output is the same either way.
/// </summary>
internal sealed class CompiledRenderUnsupportedException : Exception
{
    public CompiledRenderUnsupportedException()
        : base("The compiled render path does not model this case; DotLiquid renders the message.")
    {
    }
}
