using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace PromptOps.Benchmarks;

/// <summary>
/// The pre-flight token estimate of the realistic call as PromptOps makes it (long repeated texts cached by content) against
/// counting every token of both messages with Microsoft.ML.Tokenizers directly.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Tokens")]
public class TokenBenchmarks
{
    private readonly ChatOptions _options = new() { ModelId = "gpt-4o" };
    private TiktokenTokenizer _tokenizer = null!;
    private int _call;

    [GlobalSetup]
    public void Setup()
    {
        _tokenizer = TiktokenTokenizer.CreateForModel("gpt-4o");
        var messages = RealisticCall.Messages(0);
        var direct = _tokenizer.CountTokens(messages[0].Text) + _tokenizer.CountTokens(messages[1].Text);
        var estimate = TiktokenTokenCounter.Shared.EstimateInputTokens(messages, _options, "gpt-4o");

        // The estimate adds the chat framing (3 per message + the role + 3 reply priming) to the same content count.
        var framing = (2 * 3) + _tokenizer.CountTokens("system") + _tokenizer.CountTokens("user") + 3;
        if (estimate != direct + framing)
        {
            throw new InvalidOperationException($"PromptOps estimated {estimate} tokens, the tokenizer counts {direct} + {framing} framing.");
        }
    }

    [Benchmark(Baseline = true, Description = "Microsoft.ML.Tokenizers, every token")]
    public int CountEverything()
    {
        var messages = RealisticCall.Messages(_call++);
        return _tokenizer.CountTokens(messages[0].Text) + _tokenizer.CountTokens(messages[1].Text);
    }

    [Benchmark(Description = "PromptOps pre-flight estimate")]
    public int PromptOpsEstimate() => TiktokenTokenCounter.Shared.EstimateInputTokens(RealisticCall.Messages(_call++), _options, "gpt-4o");
}
