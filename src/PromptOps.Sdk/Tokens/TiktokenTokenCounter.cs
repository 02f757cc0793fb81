using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace PromptOps;

/// <summary>
/// Counts tokens with the tiktoken encodings of Microsoft.ML.Tokenizers: <c>o200k_base</c> for the gpt-4o, gpt-4.1, gpt-4.5,
/// gpt-5, o-series and gpt-oss families, <c>cl100k_base</c> for gpt-4 and gpt-3.5, and <c>o200k_base</c> as an approximation
/// for every other model (Claude, Gemini, Llama, Mistral and others do not publish their tokenizers; expect their real counts
/// to differ by up to about 20%).
/// </summary>
/// <remarks>
/// <para>Thread-safe. Counts of long texts (512 characters or more) are cached by content, so a system message that repeats
/// across calls is tokenized once; short texts are counted directly.</para>
/// <para>Chat framing follows OpenAI's published accounting: 3 tokens per message, 1 for a participant name and 3 that
/// prime the reply. An image counts as 765 tokens (a 1024x1024 image at high detail); other binary content is not counted.</para>
/// </remarks>
public sealed class TiktokenTokenCounter : ITokenCounter
{
    /// <summary>The tokens the chat format adds around each message.</summary>
    internal const int TokensPerMessage = 3;

    /// <summary>The tokens a participant name adds.</summary>
    internal const int TokensPerName = 1;

    /// <summary>The tokens that prime the assistant's reply.</summary>
    internal const int ReplyPrimingTokens = 3;

    /// <summary>The tokens an image is assumed to cost.</summary>
    internal const int TokensPerImage = 765;

    /// <summary>The tokens that frame one tool definition.</summary>
    internal const int TokensPerTool = 8;

    private const int CacheableLength = 512;
    private const int CacheCapacity = 4096;

    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<Tokenizer> Cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The roles of <see cref="ChatRole"/>, whose token counts are computed once per encoding.</summary>
    private static readonly string[] StandardRoles = [ChatRole.System.Value, ChatRole.User.Value, ChatRole.Assistant.Value, ChatRole.Tool.Value];
    private static readonly Lazy<int[]> O200kRoleTokens = new(() => [.. StandardRoles.Select(role => O200k.Value.CountTokens(role))]);
    private static readonly Lazy<int[]> Cl100kRoleTokens = new(() => [.. StandardRoles.Select(role => Cl100k.Value.CountTokens(role))]);

    private readonly ConcurrentDictionary<string, int> _o200kCache = new(SampledTextComparer.Instance);
    private readonly ConcurrentDictionary<string, int> _cl100kCache = new(SampledTextComparer.Instance);
    private readonly ConditionalWeakTable<AITool, StrongBox<int>> _toolTokens = [];

    /// <summary>Gets the instance shared by every PromptOps pipeline that is not given another counter.</summary>
    public static TiktokenTokenCounter Shared { get; } = new();

    /// <summary>Gets the tiktoken encoding used for a model: <c>o200k_base</c> or <c>cl100k_base</c>.</summary>
    /// <param name="modelId">The model id, with or without a provider prefix such as <c>openai/</c>; <see langword="null"/> gives the default.</param>
    /// <returns>The encoding name.</returns>
    public static string GetEncodingName(string? modelId) => UsesCl100k(modelId) ? "cl100k_base" : "o200k_base";

    /// <summary>Gets whether a model is OpenAI's, whose tokenizer tiktoken is: for any other model the counts are approximate.</summary>
    internal static bool IsOpenAiModel(string? modelId)
    {
        if (string.IsNullOrWhiteSpace(modelId))
        {
            return false;
        }

        var bare = modelId[(modelId.LastIndexOf('/') + 1)..];
        return bare.StartsWith("gpt-", StringComparison.OrdinalIgnoreCase) || bare.StartsWith("chatgpt-", StringComparison.OrdinalIgnoreCase)
            || bare.StartsWith("o1", StringComparison.OrdinalIgnoreCase) || bare.StartsWith("o3", StringComparison.OrdinalIgnoreCase)
            || bare.StartsWith("o4", StringComparison.OrdinalIgnoreCase) || bare.StartsWith("text-embedding-", StringComparison.OrdinalIgnoreCase);
    }

    /// <inheritdoc />
    public int CountTokens(string text, string? modelId)
    {
        ArgumentNullException.ThrowIfNull(text);
        return CountText(text, UsesCl100k(modelId));
    }

    /// <summary>Counts a text, through the cache when it is long.</summary>
    private int CountText(string text, bool cl100k)
    {
        if (text.Length == 0)
        {
            return 0;
        }

        var tokenizer = cl100k ? Cl100k.Value : O200k.Value;
        if (text.Length < CacheableLength)
        {
            return tokenizer.CountTokens(text);
        }

        var cache = cl100k ? _cl100kCache : _o200kCache;
        if (cache.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var count = tokenizer.CountTokens(text);
        if (cache.Count >= CacheCapacity)
        {
            // Many distinct long texts: start over rather than grow without bound; repeated texts come back on their next use.
            cache.Clear();
        }

        cache.TryAdd(text, count);
        return count;
    }

    /// <summary>Counts a role name: the four standard roles are counted once per encoding, others like any short text.</summary>
    private long CountRole(string role, bool cl100k, Measure measure)
    {
        if (measure == Measure.Lengths)
        {
            return Count(role, cl100k, measure);
        }

        var known = Array.IndexOf(StandardRoles, role);
        return known < 0 ? CountText(role, cl100k) : (cl100k ? Cl100kRoleTokens : O200kRoleTokens).Value[known];
    }

    /// <inheritdoc />
    public int EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId) =>
        Estimate(messages, options, modelId, Measure.Exact);

    /// <inheritdoc />
    /// <remarks>
    /// Long texts (512 characters or more) are counted exactly, once, and then come from the cache; a short text counts as
    /// its UTF-8 byte length, because a byte-level BPE token never covers less than one byte. A request whose long texts
    /// repeat (a system prompt) therefore gets its bound without running the tokenizer at all.
    /// </remarks>
    public int EstimateInputTokensUpperBound(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId) =>
        Estimate(messages, options, modelId, Measure.UpperBound);

    /// <summary>
    /// A bound that reads no text at all: a byte-level BPE token covers at least one UTF-8 byte, and a UTF-16 character
    /// encodes to at most three, so three tokens per character of every text. Loose (about ten times the count of English
    /// text), but it settles a check against a generous limit for the cost of adding up lengths.
    /// </summary>
    internal int QuickUpperBound(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId) =>
        Estimate(messages, options, modelId, Measure.Lengths);

    private int Estimate(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId, Measure measure)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var cl100k = UsesCl100k(modelId ?? options?.ModelId);
        long total = ReplyPrimingTokens;
        if (messages is IList<ChatMessage> list)
        {
            // Indexed: enumerating the interface would allocate an enumerator per call, and this runs on every call.
            for (var i = 0; i < list.Count; i++)
            {
                total += CountMessage(list[i], cl100k, measure);
            }
        }
        else
        {
            foreach (var message in messages)
            {
                total += CountMessage(message, cl100k, measure);
            }
        }

        if (options?.Tools is { Count: > 0 } tools)
        {
            for (var i = 0; i < tools.Count; i++)
            {
                total += CountTool(tools[i], cl100k);
            }
        }

        return (int)Math.Min(int.MaxValue, total);
    }

    private long CountMessage(ChatMessage message, bool cl100k, Measure measure)
    {
        long total = TokensPerMessage + CountRole(message.Role.Value, cl100k, measure);
        if (!string.IsNullOrEmpty(message.AuthorName))
        {
            total += TokensPerName + Count(message.AuthorName, cl100k, measure);
        }

        var contents = message.Contents;
        for (var i = 0; i < contents.Count; i++)
        {
            total += CountContent(contents[i], cl100k, measure);
        }

        return total;
    }

    private static bool UsesCl100k(string? modelId)
    {
        if (string.IsNullOrEmpty(modelId))
        {
            return false;
        }

        var name = modelId.AsSpan(modelId.LastIndexOf('/') + 1);
        if (StartsWith(name, "gpt-4o") || StartsWith(name, "gpt-4.") || StartsWith(name, "chatgpt-4o"))
        {
            return false;
        }

        return StartsWith(name, "gpt-4") || StartsWith(name, "gpt-3.5") || StartsWith(name, "gpt-35")
            || StartsWith(name, "text-embedding-3") || StartsWith(name, "text-embedding-ada");
    }

    private static bool StartsWith(ReadOnlySpan<char> name, string prefix) => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Counts a text exactly, or bounds it as <paramref name="measure"/> says (see <see cref="Measure"/>).</summary>
    private long Count(string text, bool cl100k, Measure measure) => measure switch
    {
        Measure.Lengths => 3L * text.Length,
        Measure.UpperBound when text.Length < CacheableLength => Encoding.UTF8.GetByteCount(text),
        _ => CountText(text, cl100k),
    };

    private long CountContent(AIContent content, bool cl100k, Measure measure) => content switch
    {
        TextContent text => Count(text.Text, cl100k, measure),
        TextReasoningContent reasoning => Count(reasoning.Text, cl100k, measure),
        FunctionCallContent call => Count(call.Name, cl100k, measure) + Count(Serialize(call.Arguments), cl100k, measure),
        FunctionResultContent result => Count(result.Result as string ?? Serialize(result.Result), cl100k, measure),
        DataContent data when data.HasTopLevelMediaType("image") => TokensPerImage,
        UriContent uri when uri.HasTopLevelMediaType("image") => TokensPerImage,
        _ => 0,
    };

    private int CountTool(AITool tool, bool cl100k)
    {
        if (_toolTokens.TryGetValue(tool, out var known))
        {
            return known.Value;
        }

        var count = TokensPerTool + CountText(tool.Name, cl100k) + CountText(tool.Description, cl100k);
        if (tool is AIFunctionDeclaration function)
        {
            count += CountText(function.JsonSchema.GetRawText(), cl100k);
        }

        _toolTokens.AddOrUpdate(tool, new StrongBox<int>(count));
        return count;
    }

    private static string Serialize(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(value, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object))),
    };

    /// <summary>How a text is measured: the three estimates differ only there.</summary>
    private enum Measure
    {
        /// <summary>Tokenized (long texts through the cache).</summary>
        Exact,

        /// <summary>Long texts as <see cref="Exact"/>, short ones as their UTF-8 byte count: a byte-level BPE token covers at least one byte.</summary>
        UpperBound,

        /// <summary>Three tokens per UTF-16 character, the most UTF-8 bytes a character encodes to: no text is read.</summary>
        Lengths,
    }
}

/// <summary>
/// Compares long texts for the token-count cache. Hashing a whole 4,000-character system prompt on every call costs more
/// than the rest of the middleware, so the hash reads the length and 32 runs of 4 characters spread over the text
/// (shifted by a per-process random offset, so that colliding texts cannot be crafted in advance); equality still compares
/// every character, so a collision only shares a bucket and never returns a wrong count.
/// </summary>
internal sealed class SampledTextComparer : IEqualityComparer<string>
{
    private const int Samples = 32;
    private const int SampleWidth = 4;
    private static readonly int Offset = Random.Shared.Next(1, 997);

    public static SampledTextComparer Instance { get; } = new();

    public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

    public int GetHashCode(string text)
    {
        if (text.Length <= Samples * SampleWidth)
        {
            return string.GetHashCode(text.AsSpan());
        }

        // The length and 32 runs of 4 characters spread over the text, hashed in one pass over 264 bytes.
        Span<ulong> sample = stackalloc ulong[Samples + 1];
        sample[0] = (ulong)text.Length;
        var step = (text.Length - SampleWidth) / Samples;
        var characters = text.AsSpan();
        for (int i = 0, position = Offset % step; i < Samples; i++, position += step)
        {
            sample[i + 1] = MemoryMarshal.Read<ulong>(MemoryMarshal.AsBytes(characters.Slice(position, SampleWidth)));
        }

        return string.GetHashCode(MemoryMarshal.Cast<ulong, char>(sample));
    }
}
