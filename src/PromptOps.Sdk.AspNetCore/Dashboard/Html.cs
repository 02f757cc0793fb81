using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace PromptOps.Dashboard;

/// <summary>
/// Writes the dashboard's HTML. Everything that comes from the store, a prompt file, configuration or the request goes
/// through <see cref="Text"/> or an attribute value, which encode it, so recorded markup is shown as characters and never
/// runs; only the fixed markup of the pages is written raw.
/// </summary>
internal sealed class Html
{
    private readonly StringBuilder _builder = new(8 * 1024);

    /// <summary>Writes fixed markup from the dashboard's own code (never data).</summary>
    public Html Raw(string markup)
    {
        _builder.Append(markup);
        return this;
    }

    /// <summary>Writes text, encoded.</summary>
    public Html Text(string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _builder.Append(HtmlEncoder.Default.Encode(text));
        }

        return this;
    }

    /// <summary>Writes an element with encoded text content and optional class.</summary>
    public Html Element(string tag, string? text, string? cssClass = null)
    {
        Open(tag, cssClass);
        Text(text);
        return Close(tag);
    }

    /// <summary>Opens an element with an optional class.</summary>
    public Html Open(string tag, string? cssClass = null)
    {
        _builder.Append('<').Append(tag);
        if (cssClass is not null)
        {
            Attribute("class", cssClass);
        }

        _builder.Append('>');
        return this;
    }

    /// <summary>Opens an element with attributes, each value encoded.</summary>
    public Html Open(string tag, params (string Name, string? Value)[] attributes)
    {
        _builder.Append('<').Append(tag);
        foreach (var (name, value) in attributes)
        {
            if (value is not null)
            {
                Attribute(name, value);
            }
        }

        _builder.Append('>');
        return this;
    }

    /// <summary>Closes an element.</summary>
    public Html Close(string tag)
    {
        _builder.Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>Writes a link with encoded text and address.</summary>
    public Html Link(string href, string text, bool current = false) =>
        Open("a", ("href", href), ("aria-current", current ? "true" : null)).Text(text).Close("a");

    /// <summary>Writes a hidden form field.</summary>
    public Html Hidden(string name, string? value) => Open("input", ("type", "hidden"), ("name", name), ("value", value ?? string.Empty));

    /// <summary>Writes a horizontal bar for a share between 0 and 1 (shares above 1 fill it).</summary>
    public Html Bar(double share, string? tone = null)
    {
        var percent = Math.Clamp(share, 0, 1) * 100;
        return Raw(string.Create(CultureInfo.InvariantCulture, $"<div class=\"bar{(tone is null ? string.Empty : " " + tone)}\" role=\"img\" aria-label=\"{percent:0}%\"><span style=\"width:{percent:0.#}%\"></span></div>"));
    }

    /// <summary>Writes a table header row; a column whose name starts with '#' is numeric (right-aligned).</summary>
    public Html HeaderRow(params string[] columns)
    {
        Raw("<thead><tr>");
        foreach (var column in columns)
        {
            var numeric = column.StartsWith('#');
            Open("th", numeric ? "num" : null).Text(numeric ? column[1..] : column).Close("th");
        }

        return Raw("</tr></thead>");
    }

    /// <summary>Writes a table cell with encoded text: right-aligned when numeric, or with a class (<c>nowrap</c> keeps it on one line, <c>wide</c> keeps it readable on a phone).</summary>
    public Html Cell(string? text, bool numeric = false, string? cssClass = null) => Element("td", text, numeric ? "num" : cssClass);

    /// <inheritdoc />
    public override string ToString() => _builder.ToString();

    private void Attribute(string name, string value) =>
        _builder.Append(' ').Append(name).Append("=\"").Append(HtmlEncoder.Default.Encode(value)).Append('"');
}
