using System.Text.RegularExpressions;

namespace PromptOps;

/// <summary>
/// Masks personal data and secrets in text before it is recorded: API keys and bearer tokens (<c>[SECRET]</c>), e-mail
/// addresses (<c>[EMAIL]</c>), payment card numbers that pass the Luhn check (<c>[CARD]</c>), IBANs that pass the ISO 7064
/// mod-97 check (<c>[IBAN]</c>) and phone numbers of 8 to 15 digits written as phone numbers: with a leading <c>+</c>,
/// an area code in parentheses, or three or more groups (<c>[PHONE]</c>); a bare run of digits is left alone.
/// </summary>
/// <remarks>
/// Redaction is a safety net, not a guarantee: it recognises common formats only. Use
/// <see cref="PromptCallContentCapture.Off"/> where content must never be stored. Thread-safe.
/// </remarks>
public static partial class PromptContentRedactor
{
    /// <summary>Returns <paramref name="text"/> with every recognised secret and piece of personal data replaced by a marker.</summary>
    /// <param name="text">The text to redact.</param>
    /// <returns>The redacted text.</returns>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return text;
        }

        var result = KeyedSecret().Replace(text, m => $"{m.Groups["key"].Value}{m.Groups["sep"].Value}[SECRET]");
        result = Secret().Replace(result, "[SECRET]");
        result = Email().Replace(result, "[EMAIL]");
        result = IbanCandidate().Replace(result, m => PassesIbanCheck(m.Value) ? "[IBAN]" : m.Value);
        result = CardCandidate().Replace(result, m => PassesLuhn(m.Value) ? "[CARD]" : m.Value);
        result = PhoneCandidate().Replace(result, m => LooksLikePhone(m.Value) ? "[PHONE]" : m.Value);
        return result;
    }

    [GeneratedRegex(@"(?<key>\b(?:api[_-]?key|secret|token|password|passwd|pwd)\b)(?<sep>[""']?\s*[:=]\s*[""']?)[^\s""',;]{6,}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyedSecret();

    [GeneratedRegex(@"\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})|\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*", RegexOptions.CultureInvariant)]
    private static partial Regex Secret();

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    [GeneratedRegex(@"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex CardCandidate();

    [GeneratedRegex(@"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b", RegexOptions.CultureInvariant)]
    private static partial Regex IbanCandidate();

    [GeneratedRegex(@"(?<![\w+])\+?\(?\d[\d ().-]{6,}\d(?!\w)", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneCandidate();

    private static bool PassesLuhn(string candidate)
    {
        var sum = 0;
        var digits = 0;
        for (var i = candidate.Length - 1; i >= 0; i--)
        {
            var c = candidate[i];
            if (!char.IsAsciiDigit(c))
            {
                continue;
            }

            var d = c - '0';
            if (digits % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            digits++;
        }

        return digits is >= 13 and <= 19 && sum % 10 == 0;
    }

    private static bool PassesIbanCheck(string candidate)
    {
        Span<char> compact = stackalloc char[candidate.Length];
        var length = 0;
        foreach (var c in candidate)
        {
            if (c != ' ')
            {
                compact[length++] = c;
            }
        }

        if (length is < 15 or > 34)
        {
            return false;
        }

        // ISO 13616: move the first four characters to the end, letters become 10..35, the number mod 97 must be 1.
        var remainder = 0;
        for (var i = 0; i < length; i++)
        {
            var c = compact[(i + 4) % length];
            if (char.IsAsciiDigit(c))
            {
                remainder = ((remainder * 10) + (c - '0')) % 97;
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                remainder = ((remainder * 100) + (c - 'A' + 10)) % 97;
            }
            else
            {
                return false;
            }
        }

        return remainder == 1;
    }

    /// <summary>8 to 15 digits written as a phone number: international (<c>+</c>), with an area code in parentheses, or in at least three groups; not a date.</summary>
    private static bool LooksLikePhone(string value)
    {
        if (CountDigits(value) is < 8 or > 15 || IsoDate().IsMatch(value))
        {
            return false;
        }

        var separators = 0;
        foreach (var c in value)
        {
            separators += c is ' ' or '-' or '.' or '(' or ')' ? 1 : 0;
        }

        return value[0] is '+' or '(' || separators >= 2;
    }

    [GeneratedRegex(@"^\d{4}[-.]\d{2}[-.]\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();

    private static int CountDigits(string value)
    {
        var count = 0;
        foreach (var c in value)
        {
            if (char.IsAsciiDigit(c))
            {
                count++;
            }
        }

        return count;
    }
}
