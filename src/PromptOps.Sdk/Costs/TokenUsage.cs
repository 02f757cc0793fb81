namespace PromptOps;

/// <summary>
/// The tokens of one call, with the meaning Microsoft.Extensions.AI's <c>UsageDetails</c> gives them: input tokens include the
/// cached, cache-write and audio tokens, and output tokens include the reasoning and audio tokens.
/// </summary>
/// <param name="InputTokens">All input tokens, cached ones included.</param>
/// <param name="OutputTokens">All output tokens, reasoning ones included.</param>
/// <param name="CachedInputTokens">The part of the input read from the prompt cache.</param>
/// <param name="CacheWriteInputTokens">The part of the input written to the prompt cache.</param>
/// <param name="ReasoningTokens">The part of the output spent on reasoning.</param>
/// <param name="InputAudioTokens">The part of the input that is audio.</param>
/// <param name="OutputAudioTokens">The part of the output that is audio.</param>
public readonly record struct TokenUsage(
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens = 0,
    long CacheWriteInputTokens = 0,
    long ReasoningTokens = 0,
    long InputAudioTokens = 0,
    long OutputAudioTokens = 0)
{
    /// <summary>Gets the input plus output tokens.</summary>
    public long TotalTokens => InputTokens + OutputTokens;

    /// <summary>Reads the counts of Microsoft.Extensions.AI's usage; a missing count is zero.</summary>
    internal static TokenUsage From(Microsoft.Extensions.AI.UsageDetails usage)
    {
        var (audioIn, audioOut) = AudioTokens(usage);
        return new(
            usage.InputTokenCount ?? 0,
            usage.OutputTokenCount ?? 0,
            usage.CachedInputTokenCount ?? 0,
            CacheWriteTokens(usage),
            usage.ReasoningTokenCount ?? 0,
            audioIn,
            audioOut);
    }

    private static bool s_audioCountsExist = true;

    /// <summary>
    /// Reads the audio counts: <c>UsageDetails.InputAudioTokenCount</c>/<c>OutputAudioTokenCount</c> where this
    /// Microsoft.Extensions.AI has them (an evaluation API, so read behind a guard: an application may run a version
    /// without them), else the <c>AdditionalCounts</c> names clients used before.
    /// </summary>
    private static (long Input, long Output) AudioTokens(Microsoft.Extensions.AI.UsageDetails usage)
    {
        if (s_audioCountsExist)
        {
            try
            {
                var (input, output) = ReportedAudioTokens(usage);
                if (input is not null || output is not null)
                {
                    return (input ?? 0, output ?? 0);
                }
            }
            catch (MissingMemberException)
            {
                s_audioCountsExist = false;
            }
        }

        return (AdditionalCount(usage, "InputTokenDetails.AudioTokenCount"), AdditionalCount(usage, "OutputTokenDetails.AudioTokenCount"));
    }

#pragma warning disable MEAI001 // Evaluation API, read behind the guard in AudioTokens.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (long? Input, long? Output) ReportedAudioTokens(Microsoft.Extensions.AI.UsageDetails usage) => (usage.InputAudioTokenCount, usage.OutputAudioTokenCount);
#pragma warning restore MEAI001

    private static long AdditionalCount(Microsoft.Extensions.AI.UsageDetails usage, string name) =>
        usage.AdditionalCounts is { Count: > 0 } counts && counts.TryGetValue(name, out var value) ? value : 0;

    /// <summary>Reads the cache-write count providers put in <c>UsageDetails.AdditionalCounts</c> (Anthropic and Bedrock names).</summary>
    internal static long CacheWriteTokens(Microsoft.Extensions.AI.UsageDetails usage)
    {
        if (usage.AdditionalCounts is not { Count: > 0 } counts)
        {
            return 0;
        }

        foreach (var (key, value) in counts)
        {
            if (key.Equals("CacheCreationInputTokenCount", StringComparison.OrdinalIgnoreCase)
                || key.Equals("CacheCreationInputTokens", StringComparison.OrdinalIgnoreCase)
                || key.Equals("cache_creation_input_tokens", StringComparison.OrdinalIgnoreCase)
                || key.Equals("CacheWriteInputTokens", StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return 0;
    }
}
