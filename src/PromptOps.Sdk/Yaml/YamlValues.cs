using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PromptOps;

/// <summary>Converts YAML nodes to plain CLR values (string, long, double, bool, null, lists and dictionaries).</summary>
internal static class YamlValues
{
    public static object? ToClr(YamlNode node) => node switch
    {
        YamlSequenceNode sequence => sequence.Children.Select(ToClr).ToList(),
        YamlMappingNode mapping => ToDictionary(mapping),
        YamlScalarNode scalar => ScalarToClr(scalar),
        _ => null,
    };

    private static Dictionary<string, object?> ToDictionary(YamlMappingNode mapping)
    {
        // YAML allows keys that are not text ('[a]: 1'); they read as '' and the last one wins rather than throwing.
        var values = new Dictionary<string, object?>(mapping.Children.Count, StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children)
        {
            values[(key as YamlScalarNode)?.Value ?? string.Empty] = ToClr(value);
        }

        return values;
    }

    private static object? ScalarToClr(YamlScalarNode scalar)
    {
        var text = scalar.Value;
        if (text is null || scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return text;
        }

        // Plain scalars follow the YAML 1.2 core schema.
        return text switch
        {
            "~" or "null" or "Null" or "NULL" or "" => null,
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => integer,
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
            _ => text,
        };
    }
}
