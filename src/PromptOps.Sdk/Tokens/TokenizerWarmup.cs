using Microsoft.Extensions.Hosting;

namespace PromptOps;

/// <summary>
/// Loads the tokenizer data (about 0.5 s) and the price table (about 0.1 s) in the background when the host starts, so the
/// first LLM call does not pay for them.
/// </summary>
internal sealed class TokenizerWarmup(ITokenCounter counter, ModelPricing pricing) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(() =>
        {
            counter.CountTokens("warm up", "gpt-4o");
            counter.CountTokens("warm up", "gpt-4");
            _ = pricing.Table;
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
