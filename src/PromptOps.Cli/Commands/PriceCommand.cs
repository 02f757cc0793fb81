using System.CommandLine;
using static System.FormattableString;

namespace PromptOps.Cli.Commands;

/// <summary>
/// <c>promptops price &lt;model&gt; [--provider P] [--endpoint URL] [--price-file F]</c>: which price entry a call would use, its
/// rates, and every entry considered on the way.
/// </summary>
internal static class PriceCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var modelArgument = new Argument<string>("model") { Description = "The model id as the provider returns it, for example gpt-4o or openai/gpt-3.5-turbo." };
        var providerOption = new Option<string?>("--provider") { Description = "The provider name the client reports (openai, aws.bedrock) or a LiteLLM provider (openrouter, groq)." };
        var endpointOption = new Option<string?>("--endpoint") { Description = "The endpoint the client calls, for example https://api.x.ai/v1: its host decides the provider first." };
        var priceFileOption = new Option<FileInfo?>("--price-file") { Description = "A LiteLLM-format price file to use instead of the embedded table." };
        var command = new Command("price", "Show which price entry a call to a model would use, its rates, and the entries considered.")
        {
            modelArgument,
            providerOption,
            endpointOption,
            priceFileOption,
        };

        command.SetAction(parseResult =>
        {
            var model = parseResult.GetValue(modelArgument)!;
            var endpointText = parseResult.GetValue(endpointOption);
            Uri? endpoint = null;
            if (endpointText is not null && !Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint))
            {
                throw new CliUsageException($"--endpoint '{endpointText}' is not an absolute URL. Pass the base URL the client calls, for example https://api.x.ai/v1.");
            }

            var table = parseResult.GetValue(priceFileOption) is { } priceFile ? EstimateCommand.LoadPrices(priceFile) : ModelPriceTable.Default;
            return Report(output, error, model, parseResult.GetValue(providerOption), endpoint, table);
        });
        return command;
    }

    private static int Report(TextWriter output, TextWriter error, string model, string? providerName, Uri? endpoint, ModelPriceTable table)
    {
        var resolved = PriceProviders.Resolve(providerName, endpoint, null);
        var provider = table.EffectiveProvider(resolved);
        output.WriteLine(DescribeProvider(model, providerName, endpoint, resolved, provider));

        var candidates = table.Explain(model, resolved);
        var taken = candidates.FirstOrDefault(c => c.Accepted);
        if (taken is not null)
        {
            output.WriteLine($"price: {table.Source}: {taken.Key}");
            WriteRates(output, taken.Price!);
        }

        output.WriteLine();
        output.WriteLine("considered, in order:");
        foreach (var candidate in candidates)
        {
            var outcome = candidate.Accepted ? "taken"
                : candidate.Price is null ? "not in the table"
                : $"filed under {candidate.Price.Provider}, which does not serve {provider}'s calls";
            output.WriteLine($"  {candidate.Key,-60} {outcome}");
        }

        if (taken is null)
        {
            error.WriteLine(provider is null
                ? $"error: model '{model}' has no price in {table.Source}. Add it under PromptOps:Pricing:Models:{model}, or pass --price-file with a LiteLLM-format file that has it."
                : $"error: model '{model}' has no price for provider {provider} in {table.Source}, and another provider's price would be wrong. Add it under PromptOps:Pricing:Models:{model}, or map the endpoint to the right provider under PromptOps:Pricing:Endpoints.");
            return ExitCodes.Failed;
        }

        return ExitCodes.Success;
    }

    private static string DescribeProvider(string model, string? providerName, Uri? endpoint, string? resolved, string? provider)
    {
        var why = endpoint is not null && resolved != PriceProviders.Normalize(providerName)
            ? $"from the endpoint host {endpoint.Host}"
            : providerName is not null ? $"from the provider name '{providerName}'" : "no provider given";
        return provider is null
            ? $"{model}: provider unknown to the table ({why}), so the model is looked up by name alone"
            : $"{model}: priced as {provider} ({why}); only {provider}'s entries are taken";
    }

    /// <summary>Writes a model's rates in USD per million tokens, and where our rules differ from LiteLLM's calculator.</summary>
    internal static void WriteRates(TextWriter output, ModelPrice price)
    {
        static string PerMillion(decimal perToken) => Invariant($"${perToken * 1_000_000m:0.######} per million tokens");

        output.WriteLine($"  input        {PerMillion(price.InputPerToken)}");
        output.WriteLine($"  output       {PerMillion(price.OutputPerToken)}");
        WriteOptional(output, "cached input", price.CacheReadPerToken);
        WriteOptional(output, "cache write", price.CacheWritePerToken);
        WriteOptional(output, "reasoning", price.ReasoningPerToken);
        WriteOptional(output, "audio input", price.InputAudioPerToken);
        WriteOptional(output, "audio output", price.OutputAudioPerToken);
        foreach (var tier in price.LongContextTiers)
        {
            var reaches = string.Equals(price.Provider, "xai", StringComparison.OrdinalIgnoreCase) ? "from" : "above";
            output.WriteLine(Invariant($"  {reaches} {tier.ThresholdTokens:N0} input tokens: input {PerMillion(tier.InputPerToken)}, output {PerMillion(tier.OutputPerToken)}"));
        }

        foreach (var note in CostCalculator.DifferencesFromLiteLlm(price))
        {
            output.WriteLine($"  note: {note}");
        }

        static void WriteOptional(TextWriter output, string label, decimal? perToken)
        {
            if (perToken is { } rate)
            {
                output.WriteLine($"  {label,-12} {PerMillion(rate)}");
            }
        }
    }
}
