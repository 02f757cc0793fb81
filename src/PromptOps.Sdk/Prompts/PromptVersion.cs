using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PromptOps;

/// <summary>
/// A Semantic Versioning 2.0.0 version of a prompt (<c>major.minor.patch[-prerelease][+build]</c>), ordered by
/// SemVer precedence.
/// </summary>
/// <remarks>
/// Build metadata is kept for display but ignored by ordering, as SemVer requires; equality includes it, so
/// <c>1.0.0+a</c> and <c>1.0.0+b</c> are different files that sort together. Immutable and thread-safe.
/// </remarks>
public sealed class PromptVersion : IComparable<PromptVersion>, IEquatable<PromptVersion>
{
    private readonly string _text;
    private readonly string[] _prereleaseIdentifiers;

    private PromptVersion(int major, int minor, int patch, string prerelease, string buildMetadata, string text)
    {
        Major = major;
        Minor = minor;
        Patch = patch;
        Prerelease = prerelease;
        BuildMetadata = buildMetadata;
        _text = text;
        _prereleaseIdentifiers = prerelease.Length == 0 ? [] : prerelease.Split('.');
    }

    /// <summary>Gets the major version.</summary>
    public int Major { get; }

    /// <summary>Gets the minor version.</summary>
    public int Minor { get; }

    /// <summary>Gets the patch version.</summary>
    public int Patch { get; }

    /// <summary>Gets the pre-release label without the leading <c>-</c>, or an empty string.</summary>
    public string Prerelease { get; }

    /// <summary>Gets the build metadata without the leading <c>+</c>, or an empty string.</summary>
    public string BuildMetadata { get; }

    /// <summary>Gets a value indicating whether this is a pre-release version.</summary>
    public bool IsPrerelease => Prerelease.Length > 0;

    /// <summary>Parses a SemVer 2.0 version.</summary>
    /// <param name="text">The text, for example <c>2.1.0</c> or <c>3.0.0-rc.1</c>.</param>
    /// <returns>The parsed version.</returns>
    /// <exception cref="FormatException"><paramref name="text"/> is not a SemVer 2.0 version.</exception>
    public static PromptVersion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var version)
            ? version
            : throw new FormatException($"'{text}' is not a SemVer 2.0 version. Write it as major.minor.patch, for example '1.2.0' or '2.0.0-beta.1'.");
    }

    /// <summary>Tries to parse a SemVer 2.0 version.</summary>
    /// <param name="text">The text to parse.</param>
    /// <param name="version">The parsed version when this method returns <see langword="true"/>.</param>
    /// <returns><see langword="true"/> when <paramref name="text"/> is a valid SemVer 2.0 version.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out PromptVersion? version)
    {
        version = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var rest = text.AsSpan();
        var build = string.Empty;
        var plus = rest.IndexOf('+');
        if (plus >= 0)
        {
            build = rest[(plus + 1)..].ToString();
            if (!AreValidIdentifiers(build, numericMayHaveLeadingZero: true))
            {
                return false;
            }

            rest = rest[..plus];
        }

        var prerelease = string.Empty;
        var dash = rest.IndexOf('-');
        if (dash >= 0)
        {
            prerelease = rest[(dash + 1)..].ToString();
            if (!AreValidIdentifiers(prerelease, numericMayHaveLeadingZero: false))
            {
                return false;
            }

            rest = rest[..dash];
        }

        Span<Range> parts = stackalloc Range[4];
        if (rest.Split(parts, '.') != 3
            || !TryParseNumber(rest[parts[0]], out var major)
            || !TryParseNumber(rest[parts[1]], out var minor)
            || !TryParseNumber(rest[parts[2]], out var patch))
        {
            return false;
        }

        version = new PromptVersion(major, minor, patch, prerelease, build, text);
        return true;
    }

    /// <summary>Returns the next version after a bump of the given part, dropping pre-release and build labels.</summary>
    /// <param name="part">"major", "minor" or "patch".</param>
    /// <returns>The bumped version.</returns>
    /// <exception cref="ArgumentException"><paramref name="part"/> is not major, minor or patch.</exception>
    public PromptVersion Bump(string part) => part?.ToUpperInvariant() switch
    {
        "MAJOR" => Create(Major + 1, 0, 0),
        "MINOR" => Create(Major, Minor + 1, 0),
        "PATCH" => IsPrerelease ? Create(Major, Minor, Patch) : Create(Major, Minor, Patch + 1),
        _ => throw new ArgumentException($"'{part}' is not a version part. Use 'major', 'minor' or 'patch'.", nameof(part)),
    };

    /// <inheritdoc />
    public int CompareTo(PromptVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        var result = Major.CompareTo(other.Major);
        if (result == 0)
        {
            result = Minor.CompareTo(other.Minor);
        }

        if (result == 0)
        {
            result = Patch.CompareTo(other.Patch);
        }

        return result != 0 ? result : ComparePrerelease(_prereleaseIdentifiers, other._prereleaseIdentifiers);
    }

    /// <inheritdoc />
    public bool Equals(PromptVersion? other) =>
        other is not null && CompareTo(other) == 0 && string.Equals(BuildMetadata, other.BuildMetadata, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PromptVersion);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Major, Minor, Patch, Prerelease, BuildMetadata);

    /// <summary>Returns the version exactly as it was written.</summary>
    /// <returns>The version text.</returns>
    public override string ToString() => _text;

    /// <summary>Compares two versions by SemVer precedence.</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns>Whether <paramref name="left"/> precedes <paramref name="right"/>.</returns>
    public static bool operator <(PromptVersion? left, PromptVersion? right) => Compare(left, right) < 0;

    /// <summary>Compares two versions by SemVer precedence.</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns>Whether <paramref name="left"/> follows <paramref name="right"/>.</returns>
    public static bool operator >(PromptVersion? left, PromptVersion? right) => Compare(left, right) > 0;

    /// <summary>Compares two versions by SemVer precedence.</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns>Whether <paramref name="left"/> precedes or equals <paramref name="right"/>.</returns>
    public static bool operator <=(PromptVersion? left, PromptVersion? right) => Compare(left, right) <= 0;

    /// <summary>Compares two versions by SemVer precedence.</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns>Whether <paramref name="left"/> follows or equals <paramref name="right"/>.</returns>
    public static bool operator >=(PromptVersion? left, PromptVersion? right) => Compare(left, right) >= 0;

    /// <summary>Tests two versions for equality, build metadata included.</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns>Whether the versions are equal.</returns>
    public static bool operator ==(PromptVersion? left, PromptVersion? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Tests two versions for inequality, build metadata included.</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns>Whether the versions differ.</returns>
    public static bool operator !=(PromptVersion? left, PromptVersion? right) => !(left == right);

    private static PromptVersion Create(int major, int minor, int patch) =>
        new(major, minor, patch, string.Empty, string.Empty, string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}.{patch}"));

    private static int Compare(PromptVersion? left, PromptVersion? right) =>
        left is null ? (right is null ? 0 : -1) : left.CompareTo(right);

    private static int ComparePrerelease(string[] left, string[] right)
    {
        // A version without a pre-release label has higher precedence than one with a label.
        if (left.Length == 0 || right.Length == 0)
        {
            return right.Length.CompareTo(left.Length) switch { > 0 => 1, < 0 => -1, _ => 0 };
        }

        for (var i = 0; i < Math.Min(left.Length, right.Length); i++)
        {
            var leftIsNumber = long.TryParse(left[i], NumberStyles.None, CultureInfo.InvariantCulture, out var leftNumber);
            var rightIsNumber = long.TryParse(right[i], NumberStyles.None, CultureInfo.InvariantCulture, out var rightNumber);
            var result = (leftIsNumber, rightIsNumber) switch
            {
                (true, true) => leftNumber.CompareTo(rightNumber),
                (true, false) => -1,
                (false, true) => 1,
                _ => string.CompareOrdinal(left[i], right[i]),
            };
            if (result != 0)
            {
                return result;
            }
        }

        return left.Length.CompareTo(right.Length);
    }

    private static bool TryParseNumber(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        return text.Length > 0
            && (text.Length == 1 || text[0] != '0')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool AreValidIdentifiers(string text, bool numericMayHaveLeadingZero)
    {
        if (text.Length == 0)
        {
            return false;
        }

        foreach (var identifier in text.Split('.'))
        {
            if (identifier.Length == 0 || !identifier.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }

            if (!numericMayHaveLeadingZero && identifier.Length > 1 && identifier[0] == '0' && identifier.All(char.IsAsciiDigit))
            {
                return false;
            }
        }

        return true;
    }
}
