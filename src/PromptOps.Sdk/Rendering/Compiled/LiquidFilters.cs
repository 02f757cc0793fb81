using System.Globalization;
using System.Text;

namespace PromptOps;

/// <summary>
/// The filters of the compiled render path, each giving DotLiquid's result for the inputs it accepts. A template that
/// uses any other filter is rendered by DotLiquid; an input a filter does not accept makes that message fall back.
/// </summary>
internal static class LiquidFilters
{
    private static readonly Dictionary<string, (LiquidFilter Filter, int MinArguments, int MaxArguments)> s_filters = new(StringComparer.Ordinal)
    {
        ["upcase"] = (static (input, _) => Text(input)?.ToUpperInvariant(), 0, 0),
        ["downcase"] = (static (input, _) => Text(input)?.ToLowerInvariant(), 0, 0),
        ["strip"] = (static (input, _) => Text(input)?.Trim(), 0, 0),
        ["lstrip"] = (static (input, _) => Text(input)?.TrimStart(), 0, 0),
        ["rstrip"] = (static (input, _) => Text(input)?.TrimEnd(), 0, 0),
        ["append"] = (static (input, argument) => RequiredText(input) + RequiredText(argument), 1, 1),
        ["prepend"] = (static (input, argument) => RequiredText(argument) + RequiredText(input), 1, 1),
        ["default"] = (Default, 1, 1),
        ["join"] = (static (input, glue) => Join(input, glue), 0, 1),
        ["size"] = (static (input, _) => Size(input), 0, 0),
        ["first"] = (static (input, _) => Item(input, first: true), 0, 0),
        ["last"] = (static (input, _) => Item(input, first: false), 0, 0),
    };

    /// <summary>Finds a filter that the compiled path implements for this number of arguments.</summary>
    public static bool TryGet(string name, int arguments, out LiquidFilter filter)
    {
        if (s_filters.TryGetValue(name, out var entry) && arguments >= entry.MinArguments && arguments <= entry.MaxArguments)
        {
            filter = entry.Filter;
            return true;
        }

        filter = null!;
        return false;
    }

    private static string? Text(object? input) => input switch
    {
        null => null,
        string text => text,
        _ => throw new CompiledRenderUnsupportedException(),
    };

    private static string RequiredText(object? input) => input as string ?? throw new CompiledRenderUnsupportedException();

    private static object? Default(object? input, object? fallback) => input switch
    {
        null or "" => fallback,
        string or int or long or true => input,
        _ => throw new CompiledRenderUnsupportedException(),
    };

    private static string Join(object? input, object? glue)
    {
        if (input is null || !LiquidValues.IsList(input) || glue is not (null or string))
        {
            throw new CompiledRenderUnsupportedException();
        }

        var text = new StringBuilder();
        var separator = (string?)glue ?? " ";
        var first = true;
        var items = LiquidValues.Items(input);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (!first)
            {
                text.Append(separator);
            }

            first = false;
            _ = item switch
            {
                string value => text.Append(value),
                int value => text.Append(value.ToString(CultureInfo.InvariantCulture)),
                long value => text.Append(value.ToString(CultureInfo.InvariantCulture)),
                _ => throw new CompiledRenderUnsupportedException(),
            };
        }

        return text.ToString();
    }

    private static int Size(object? input) => input switch
    {
        null => 0,
        string text => text.Length,
        _ when LiquidValues.IsList(input) => LiquidValues.Items(input).Count,
        _ => throw new CompiledRenderUnsupportedException(),
    };

    /// <summary>The <c>first</c> and <c>last</c> filters: the same as the <c>.first</c> and <c>.last</c> members, on lists only.</summary>
    private static object? Item(object? input, bool first) =>
        input is not null && LiquidValues.IsList(input)
            ? LiquidValues.Member(input, first ? "first" : "last")
            : throw new CompiledRenderUnsupportedException();
}
