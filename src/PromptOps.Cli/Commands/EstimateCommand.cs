using System.CommandLine;
using static System.FormattableString;

namespace PromptOps.Cli.Commands;

/// <summary><c>promptops estimate &lt;id&gt;[@version] --input F [--model M] [--dir D]</c>: tokens per message and the maximum cost of one call.</summary>
internal static class EstimateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var promptArgument = new Argument<string>("prompt") { Description = "The prompt id, optionally with an exact version: customer-support or customer-support@2.1.0." };
        var inputOption = new Option<FileInfo?>("--input") { Description = "A JSON or YAML file with the input values." };
        var modelOption = new Option<string?>("--model") { Description = "The model to count and price for; default: the prompt's model.id." };
        var priceFileOption = new Option<FileInfo?>("--price-file") { Description = "A LiteLLM-format price file to use instead of the embedded table." };
        var directoryOption = PromptOpsCli.DirectoryOption();
        var command = new Command("estimate", "Count the tokens of a rendered prompt per message and the maximum cost of one call.")
        {
            promptArgument,
            inputOption,
            modelOption,
            priceFileOption,
            directoryOption,
        };

        command.SetAction(parseResult =>
        {
            if (!RenderSupport.TryRender(parseResult.GetValue(directoryOption)!, parseResult.GetValue(promptArgument)!, parseResult.GetValue(inputOption), error, out var rendered, out var prompt))
            {
                return ExitCodes.Failed;
            }

            var model = parseResult.GetValue(modelOption) ?? rendered.Options.ModelId;
            if (string.IsNullOrWhiteSpace(model))
            {
                throw new CliUsageException($"The prompt '{rendered.Prompt}' names no model (model.id). Pass --model, for example --model gpt-4o.");
            }

            var table = parseResult.GetValue(priceFileOption) is { } priceFile ? LoadPrices(priceFile) : ModelPriceTable.Default;
            return Report(output, error, rendered, prompt, model, table);
        });
        return command;
    }

    /// <summary>Loads a <c>--price-file</c>, naming the option in its errors.</summary>
    internal static ModelPriceTable LoadPrices(FileInfo file)
    {
        try
        {
            return ModelPriceTable.LoadLiteLlmFile(file.FullName);
        }
        catch (PromptOpsException ex)
        {
            throw new CliUsageException(ex.Message.Replace("Check the path in PromptOps:Pricing:PriceFile.", "Check the --price-file path.", StringComparison.Ordinal));
        }
    }

    private static int Report(TextWriter output, TextWriter error, RenderedPrompt rendered, PromptTemplate prompt, string model, ModelPriceTable table)
    {
        var counter = TiktokenTokenCounter.Shared;
        var match = table.TryFind(model, null, out var found) ? found : null;
        output.WriteLine(Invariant($"{rendered.Prompt} on {model} (tokenizer {TiktokenTokenCounter.GetEncodingName(model)})"));
        if (!TiktokenTokenCounter.IsOpenAiModel(model))
        {
            output.WriteLine($"  note: {model} is not an OpenAI model: these counts use OpenAI's tokenizer and are approximate; the provider's own count decides what a call costs.");
        }

        output.WriteLine();
        output.WriteLine(Invariant($"  {"#",-3}{"role",-12}{"tokens",8}"));
        var contentTokens = 0;
        for (var i = 0; i < rendered.Messages.Count; i++)
        {
            var message = rendered.Messages[i];
            var tokens = counter.EstimateInputTokens([message], null, model) - TiktokenTokenCounter.ReplyPrimingTokens;
            contentTokens += tokens;
            output.WriteLine(Invariant($"  {i + 1,-3}{message.Role.Value,-12}{tokens,8}"));
        }

        var input = counter.EstimateInputTokens(rendered.Messages, rendered.Options, model);
        output.WriteLine(Invariant($"     {"priming",-12}{input - contentTokens,8}"));
        output.WriteLine(Invariant($"     {"input",-12}{input,8}   (each message includes {TiktokenTokenCounter.TokensPerMessage} tokens of chat framing)"));

        var (maxOutput, outputSource) = rendered.Options.MaxOutputTokens is { } fromPrompt
            ? (fromPrompt, "max_output_tokens of the prompt")
            : match?.Price.MaxOutputTokens is { } fromModel ? (fromModel, "the model's maximum output") : ((int?)null, "unbounded: set model.max_output_tokens");
        output.WriteLine(maxOutput is { } shown
            ? Invariant($"     {"max output",-12}{shown,8}   ({outputSource})")
            : Invariant($"     {"max output",-12}{"?",8}   ({outputSource})"));

        var exitCode = ExitCodes.Success;
        if (prompt.Definition.Budget.MaxTokensPerRequest is { } budget)
        {
            var needed = (long)input + (maxOutput ?? 0);
            var verdict = needed <= budget ? "fits" : "OVER BUDGET";
            output.WriteLine(Invariant($"     {"budget",-12}{budget,8}   (budget.max_tokens_per_request: {needed} needed, {verdict})"));
            if (needed > budget)
            {
                error.WriteLine(Invariant($"error: '{rendered.Prompt}' needs up to {needed} tokens per call on {model}, over its budget of {budget}. Shorten the prompt, lower model.max_output_tokens, or raise budget.max_tokens_per_request."));
                exitCode = ExitCodes.Failed;
            }
        }

        output.WriteLine();
        if (match is null)
        {
            error.WriteLine($"warning: model '{model}' has no known price, so the cost cannot be estimated. Pass --price-file with a LiteLLM-format file that has it, or --model with a priced model.");
            return exitCode;
        }

        var cost = CostCalculator.Calculate(match.Price, new TokenUsage(input, maxOutput ?? 0));
        output.WriteLine($"price: {match.Source}: {match.Key}{(cost.LongContextThreshold is { } tier ? Invariant($" (long-context rates above {tier} tokens)") : string.Empty)}");
        output.WriteLine(Invariant($"  input   {input,8} tokens  ${cost.Input,12:0.00000000}"));
        output.WriteLine(Invariant($"  output  {maxOutput ?? 0,8} tokens  ${cost.Output,12:0.00000000}{(maxOutput is null ? "   (output unbounded: not included)" : string.Empty)}"));
        output.WriteLine(Invariant($"  maximum cost of one call: ${cost.Total:0.00000000}"));
        foreach (var note in CostCalculator.DifferencesFromLiteLlm(match.Price))
        {
            output.WriteLine($"  note: {note}");
        }

        return exitCode;
    }
}
