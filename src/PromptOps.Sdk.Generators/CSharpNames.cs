using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace PromptOps.Generators;

/// <summary>C# names from prompt ids and input names: <c>customer-support</c> → <c>CustomerSupport</c>, <c>company_name</c> → <c>CompanyName</c>.</summary>
internal static class CSharpNames
{
    public static string Pascal(string name)
    {
        var builder = new StringBuilder(name.Length);
        var upper = true;
        foreach (var c in name)
        {
            if (!char.IsLetterOrDigit(c))
            {
                upper = true;
                continue;
            }

            builder.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        var result = builder.Length == 0 ? "Unnamed" : builder.ToString();
        if (!char.IsLetter(result[0]))
        {
            result = "_" + result;
        }

        // Keywords are lower case, so a Pascal-cased name is never one; '@' covers anything else the language reserves.
        return SyntaxFacts.IsValidIdentifier(result) ? result : "@" + result;
    }

    /// <summary>A C# string literal.</summary>
    public static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    /// <summary>Text for an XML doc comment.</summary>
    public static string Doc(string value) => value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\r", " ").Replace("\n", " ");
}
