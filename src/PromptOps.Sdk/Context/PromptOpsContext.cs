namespace PromptOps;

/// <summary>
/// The ambient context of the LLM calls made while handling one request: who they are for, which feature they serve and
/// which request id ties them together. Begin one where a request starts; every call made inside it, on any thread the
/// async flow reaches, is attributed to it.
/// </summary>
/// <example>
/// <code>
/// using var context = PromptOpsContext.Begin(feature: "customer_support", userId: user.Id, tenantId: tenant.Id);
/// var response = await chatClient.GetResponseAsync(rendered.Messages, rendered.Options);
/// logger.LogInformation("Answered request {RequestId}", context.RequestId);
/// </code>
/// </example>
/// <remarks>
/// Contexts nest: an inner context inherits every value it does not set (tags are merged, the inner value winning), and
/// disposing it restores the outer one. The context flows with <see cref="ExecutionContext"/> (it is an <see cref="AsyncLocal{T}"/>).
/// </remarks>
public sealed class PromptOpsContext : IDisposable
{
    private static readonly AsyncLocal<PromptOpsContext?> Ambient = new();
    private static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>();

    private readonly PromptOpsContext? _parent;
    private bool _disposed;

    private PromptOpsContext(PromptOpsContext? parent, string? feature, string? userId, string? tenantId, string requestId, IReadOnlyDictionary<string, string> tags)
    {
        _parent = parent;
        Feature = feature;
        UserId = userId;
        TenantId = tenantId;
        RequestId = requestId;
        Tags = tags;
    }

    /// <summary>Gets the context of the current async flow, or <see langword="null"/> outside any context.</summary>
    public static PromptOpsContext? Current => Ambient.Value;

    /// <summary>Gets the feature the calls are attributed to for cost and budgets, or <see langword="null"/> to use the prompt's.</summary>
    public string? Feature { get; }

    /// <summary>Gets the end user the calls are made for (also the key of sticky A/B assignment), or <see langword="null"/>.</summary>
    public string? UserId { get; }

    /// <summary>Gets the tenant the calls are made for, or <see langword="null"/>.</summary>
    public string? TenantId { get; }

    /// <summary>Gets the request id recorded with every call of this context; generated when <see cref="Begin"/> is given none.</summary>
    public string RequestId { get; }

    /// <summary>Gets free-form tags recorded with every call (for example an experiment or a channel).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>Starts a context for the calls made in the current async flow until it is disposed.</summary>
    /// <param name="feature">The feature to attribute the calls to; overrides the feature of the rendered prompt.</param>
    /// <param name="userId">The end user the calls are made for.</param>
    /// <param name="tenantId">The tenant the calls are made for.</param>
    /// <param name="requestId">The id of the request being handled; generated (or inherited from an outer context) when omitted.</param>
    /// <param name="tags">Tags to record with every call.</param>
    /// <returns>The context; dispose it to restore the previous one.</returns>
    public static PromptOpsContext Begin(string? feature = null, string? userId = null, string? tenantId = null, string? requestId = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        var parent = Ambient.Value;
        var mergedTags = tags is null || tags.Count == 0
            ? parent?.Tags ?? NoTags
            : Merge(parent?.Tags, tags);
        var context = new PromptOpsContext(
            parent,
            NullIfEmpty(feature) ?? parent?.Feature,
            NullIfEmpty(userId) ?? parent?.UserId,
            NullIfEmpty(tenantId) ?? parent?.TenantId,
            NullIfEmpty(requestId) ?? parent?.RequestId ?? NewRequestId(),
            mergedTags);
        Ambient.Value = context;
        return context;
    }

    /// <summary>Ends this context and makes the outer one (if any) current again.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (ReferenceEquals(Ambient.Value, this))
        {
            Ambient.Value = _parent;
        }
    }

    /// <summary>
    /// A new request id for a call that started at <paramref name="startTime"/> (now when not given): a version 7 UUID (Unix
    /// milliseconds, then random bits) as 32 hex digits. The random bits come from <see cref="Random.Shared"/>, not the
    /// operating system's generator: ids must be unique and time-ordered, not secret, and the OS generator costs more than a
    /// microsecond per call on some virtual machines.
    /// </summary>
    internal static string NewRequestId(DateTimeOffset? startTime = null)
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        var milliseconds = (startTime ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(milliseconds >> (8 * (5 - i)));
        }

        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // RFC 9562 variant
        return Convert.ToHexStringLower(bytes);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? outer, IReadOnlyDictionary<string, string> inner)
    {
        var merged = outer is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(outer, StringComparer.Ordinal);
        foreach (var (key, value) in inner)
        {
            merged[key] = value;
        }

        return merged;
    }
}
