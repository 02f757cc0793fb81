using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
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

    private readonly ConcurrentDictionary<string, int> _o200kCache = new(SampledTextComparer.Instance);
    private readonly ConcurrentDictionary<string, int> _cl100kCache = new(SampledTextComparer.Instance);
    private readonly ConditionalWeakTable<AITool, StrongBox<int>> _toolTokens = [];

    /// <summary>Gets the instance shared by every PromptOps pipeline that is not given another counter.</summary>
    public static TiktokenTokenCounter Shared { get; } = new();

    /// <summary>Gets the tiktoken encoding used for a model: <c>o200k_base</c> or <c>cl100k_base</c>.</summary>
    /// <param name="modelId">The model id, with or without a provider prefix such as <c>openai/</c>; <see langword="null"/> gives the default.</param>
    /// <returns>The encoding name.</returns>
    public static string GetEncodingName(string? modelId) => UsesCl100k(modelId) ? "cl100k_base" : "o200k_base";

    /// <inheritdoc />
    public int CountTokens(string text, string? modelId)
    {
        ArgumentNullException.ThrowIfNull(text);
        return CountText(text, modelId, cacheAnyLength: false);
    }

    /// <summary>
    /// Counts a text, through the cache when it is long or when <paramref name="cacheAnyLength"/> is set for a short text
    /// from a small fixed set (role names), which would otherwise run the tokenizer on every message.
    /// </summary>
    private int CountText(string text, string? modelId, bool cacheAnyLength)
    {
        if (text.Length == 0)
        {
            return 0;
        }

        var cl100k = UsesCl100k(modelId);
        var tokenizer = cl100k ? Cl100k.Value : O200k.Value;
        if (text.Length < CacheableLength && !cacheAnyLength)
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

    /// <inheritdoc />
    public int EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId) =>
        Estimate(messages, options, modelId, upperBound: false);

    /// <inheritdoc />
    /// <remarks>
    /// Long texts (512 characters or more) are counted exactly, once, and then come from the cache; a short text counts as
    /// its UTF-8 byte length, because a byte-level BPE token never covers less than one byte. A request whose long texts
    /// repeat (a system prompt) therefore gets its bound without running the tokenizer at all.
    /// </remarks>
    public int EstimateInputTokensUpperBound(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId) =>
        Estimate(messages, options, modelId, upperBound: true);

    private int Estimate(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId, bool upperBound)
    {
        ArgumentNullException.ThrowIfNull(messages);
        modelId ??= options?.ModelId;
        var total = ReplyPrimingTokens;
        foreach (var message in messages)
        {
            total += TokensPerMessage + CountText(message.Role.Value, modelId, cacheAnyLength: true);
            if (!string.IsNullOrEmpty(message.AuthorName))
            {
                total += TokensPerName + Count(message.AuthorName, modelId, upperBound);
            }

            foreach (var content in message.Contents)
            {
                total += CountContent(content, modelId, upperBound);
            }
        }

        if (options?.Tools is { Count: > 0 } tools)
        {
            foreach (var tool in tools)
            {
                total += CountTool(tool, modelId);
            }
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

    /// <summary>Counts a text exactly, or bounds a short one by its UTF-8 length when <paramref name="upperBound"/> is set.</summary>
    private int Count(string text, string? modelId, bool upperBound) =>
        upperBound && text.Length < CacheableLength ? Encoding.UTF8.GetByteCount(text) : CountTokens(text, modelId);

    private int CountContent(AIContent content, string? modelId, bool upperBound) => content switch
    {
        TextContent text => Count(text.Text, modelId, upperBound),
        TextReasoningContent reasoning => Count(reasoning.Text, modelId, upperBound),
        FunctionCallContent call => Count(call.Name, modelId, upperBound) + Count(Serialize(call.Arguments), modelId, upperBound),
        FunctionResultContent result => Count(result.Result as string ?? Serialize(result.Result), modelId, upperBound),
        DataContent data when data.HasTopLevelMediaType("image") => TokensPerImage,
        UriContent uri when uri.HasTopLevelMediaType("image") => TokensPerImage,
        _ => 0,
    };

    private int CountTool(AITool tool, string? modelId)
    {
        if (_toolTokens.TryGetValue(tool, out var known))
        {
            return known.Value;
        }

        var count = TokensPerTool + CountTokens(tool.Name, modelId) + CountTokens(tool.Description, modelId);
        if (tool is AIFunctionDeclaration function)
        {
            count += CountTokens(function.JsonSchema.GetRawText(), modelId);
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
}

/// <summary>
/// Compares long texts for the token-count cache. Hashing a whole 4,000-character system prompt on every call costs more
/// than the rest of the middleware, so the hash reads the length and 64 characters at positions spread over the text
/// (shifted by a per-process random offset, so that colliding texts cannot be crafted in advance); equality still compares
/// every character, so a collision only shares a bucket and never returns a wrong count.
/// </summary>
internal sealed class SampledTextComparer : IEqualityComparer<string>
{
    private const int Samples = 64;
    private static readonly int Offset = Random.Shared.Next(1, 997);

    public static SampledTextComparer Instance { get; } = new();

    public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

    public int GetHashCode(string text)
    {
        var hash = new HashCode();
        hash.Add(text.Length);
        if (text.Length <= Samples * 2)
        {
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(text.AsSpan()));
            return hash.ToHashCode();
        }

        var step = text.Length / Samples;
        for (int i = 0, position = Offset % step; i < Samples; i++, position += step)
        {
            hash.Add(text[position]);
        }

        return hash.ToHashCode();
    }
}
