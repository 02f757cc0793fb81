using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PromptOps;

/// <summary>
/// A label: which version of one prompt an environment serves, or which versions with which weights when the label
/// runs an A/B test. Labels come from <c>prompts/labels.yaml</c> and from the <c>PromptOps:Labels</c> configuration,
/// which overrides the file at run time.
/// </summary>
/// <remarks>
/// <para>
/// A split label assigns each user to a variant by a stable hash of the prompt id, the salt and the user id (from
/// <see cref="PromptOpsContext.UserId"/>): the same user always gets the same variant while the weights are unchanged.
/// Changing the salt reshuffles everyone; changing a weight moves only the users whose bucket crosses the new boundary.
/// </para>
/// <para>
/// Without a user id, the first variant with a non-zero weight (the control) is served, so anonymous traffic never
/// mixes into an experiment. To split traffic that has no signed-in user, pass a stable id such as a session id as
/// <c>userId</c> to <see cref="PromptOpsContext.Begin"/>.
/// </para>
/// Instances are immutable and thread-safe.
/// </remarks>
public sealed class PromptLabel
{
    private const int Buckets = 10_000;
    private readonly int[] _bucketEnds;
    private readonly int _firstServed;

    /// <summary>Initializes a new instance of the <see cref="PromptLabel"/> class.</summary>
    /// <param name="environment">The environment the label belongs to, for example <c>production</c>.</param>
    /// <param name="promptId">The prompt id.</param>
    /// <param name="variants">One variant (a plain label), or several whose weights sum to 100 (an A/B split).</param>
    /// <param name="salt">Mixed into the assignment hash; change it to reshuffle users for a new experiment.</param>
    /// <param name="source">Where the label was defined, shown by <c>promptops labels</c> and in errors.</param>
    /// <exception cref="ArgumentException">The variants are empty, repeat a version or a name, or their weights are negative or do not sum to 100.</exception>
    public PromptLabel(string environment, string promptId, IEnumerable<PromptLabelVariant> variants, string? salt = null, string? source = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(environment);
        ArgumentException.ThrowIfNullOrWhiteSpace(promptId);
        ArgumentNullException.ThrowIfNull(variants);
        Variants = [.. variants];
        if (CheckVariants(Variants) is { } problem)
        {
            throw new ArgumentException($"The label {environment}/{promptId} is invalid: {problem}", nameof(variants));
        }

        Environment = environment;
        PromptId = promptId;
        Salt = salt;
        Source = source;
        _bucketEnds = new int[Variants.Count];
        var end = 0;
        for (var i = 0; i < Variants.Count; i++)
        {
            end += Variants[i].Weight * (Buckets / 100);
            _bucketEnds[i] = end;
        }

        _firstServed = Variants.Select((variant, index) => (variant, index)).First(pair => pair.variant.Weight > 0).index;
    }

    /// <summary>Gets the environment the label belongs to.</summary>
    public string Environment { get; }

    /// <summary>Gets the prompt id.</summary>
    public string PromptId { get; }

    /// <summary>Gets the versions served, with their weights. A plain label has one variant of weight 100.</summary>
    public IReadOnlyList<PromptLabelVariant> Variants { get; }

    /// <summary>Gets the salt mixed into the assignment hash, or <see langword="null"/>.</summary>
    public string? Salt { get; }

    /// <summary>Gets where the label was defined (a file position or a configuration key), or <see langword="null"/>.</summary>
    public string? Source { get; }

    /// <summary>Gets a value indicating whether the label splits traffic between several versions.</summary>
    public bool IsSplit => Variants.Count > 1;

    internal string? FilePath { get; init; }

    internal int Line { get; init; }

    internal int Column { get; init; }

    /// <summary>Chooses the variant that serves a user: sticky per user, weighted across users.</summary>
    /// <param name="userId">The user id, usually <see cref="PromptOpsContext.UserId"/>; <see langword="null"/> serves the control.</param>
    /// <returns>The chosen variant.</returns>
    public PromptLabelVariant Choose(string? userId) => Variants[ChooseIndex(userId)];

    internal int ChooseIndex(string? userId)
    {
        if (!IsSplit)
        {
            return 0;
        }

        if (string.IsNullOrEmpty(userId))
        {
            return _firstServed;
        }

        var bucket = Bucket(PromptId, Salt, userId);
        for (var i = 0; i < _bucketEnds.Length; i++)
        {
            if (bucket < _bucketEnds[i])
            {
                return i;
            }
        }

        return _bucketEnds.Length - 1;
    }

    /// <summary>Returns the label as configuration text: <c>2.1.0</c>, or <c>2.1.0:90, 2.2.0:10</c> for a split.</summary>
    /// <returns>The label as text.</returns>
    public override string ToString() => IsSplit
        ? string.Join(", ", Variants.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Version}:{v.Weight}"))) + (Salt is null ? string.Empty : $"; salt={Salt}")
        : Variants[0].Version;

    /// <summary>A stable bucket in [0, 10000) for a user: the first 8 bytes of SHA-256 over id, salt and user, so every process and version agrees.</summary>
    internal static int Bucket(string promptId, string? salt, string userId)
    {
        var key = string.Concat(promptId, "\n", salt, "\n", userId);
        var byteCount = Encoding.UTF8.GetByteCount(key);
        Span<byte> bytes = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(key, bytes);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % Buckets);
    }

    /// <summary>Returns what is wrong with a list of variants, or <see langword="null"/> when it is valid.</summary>
    internal static string? CheckVariants(IReadOnlyList<PromptLabelVariant> variants)
    {
        if (variants.Count == 0)
        {
            return "it lists no version. Name one version, or list variants whose weights sum to 100.";
        }

        if (variants.FirstOrDefault(v => v.Weight < 0) is { } negative)
        {
            return $"variant '{negative.Name}' has weight {negative.Weight}; weights cannot be negative. Use 0 to pause a variant.";
        }

        if (variants.GroupBy(v => v.Version, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
        {
            return $"version {repeated.Key} is listed twice. List each version once with its total weight.";
        }

        if (variants.GroupBy(v => v.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } sameName)
        {
            return $"the variant name '{sameName.Key}' is used twice. Give each variant its own name.";
        }

        var total = variants.Sum(v => (long)v.Weight);
        if (variants.Count > 1 && total != 100)
        {
            return $"the weights sum to {total} ({string.Join(" + ", variants.Select(v => v.Weight))}), but they must sum to 100.";
        }

        return variants.Count == 1 && variants[0].Weight != 100
            ? $"a single version must have weight 100 (it has {variants[0].Weight}); list the other versions to split traffic."
            : null;
    }
}

/// <summary>One version served by a <see cref="PromptLabel"/>, with its share of users.</summary>
public sealed class PromptLabelVariant
{
    /// <summary>Initializes a new instance of the <see cref="PromptLabelVariant"/> class.</summary>
    /// <param name="version">The prompt version, for example <c>2.1.0</c>.</param>
    /// <param name="weight">The share of users in percent, 0 to 100.</param>
    /// <param name="name">The variant name recorded with each call (for example <c>control</c>); the version when omitted.</param>
    public PromptLabelVariant(string version, int weight = 100, string? name = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        Version = version;
        Weight = weight;
        Name = string.IsNullOrWhiteSpace(name) ? version : name;
    }

    /// <summary>Gets the prompt version.</summary>
    public string Version { get; }

    /// <summary>Gets the share of users in percent.</summary>
    public int Weight { get; }

    /// <summary>Gets the variant name recorded with each call.</summary>
    public string Name { get; }

    /// <summary>Returns <c>name (version) weight%</c>.</summary>
    /// <returns>The variant as text.</returns>
    public override string ToString() => Name == Version
        ? string.Create(CultureInfo.InvariantCulture, $"{Version} {Weight}%")
        : string.Create(CultureInfo.InvariantCulture, $"{Name} ({Version}) {Weight}%");
}
