namespace PromptOps.Cli.Tests.Commands;

public sealed class EstimateCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Estimate_PricedModel_PrintsTokensPerMessageAndTheMaximumCost()
    {
        var input = _cli.Write("input.json", """{"company_name": "Acme", "question": "Where is my order?"}""");
        var rendered = PromptLibrary.LoadDirectory(CliRunner.RepositoryPrompts()).FindVersion("customer-support", "2.0.0")!
            .Render(new { company_name = "Acme", question = "Where is my order?" });
        var expectedInput = TiktokenTokenCounter.Shared.EstimateInputTokens(rendered.Messages, null, "gpt-4o");
        var expectedSystem = TiktokenTokenCounter.Shared.EstimateInputTokens([rendered.Messages[0]], null, "gpt-4o") - 3;
        var expectedCost = (expectedInput * 2.5e-6m) + (600 * 1e-5m);

        var (exitCode, output, error) = CliRunner.Run("estimate", "customer-support@2.0.0", "--input", input, "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.StartsWith("customer-support@2.0.0 on gpt-4o (tokenizer o200k_base)", output, StringComparison.Ordinal);
        Assert.Matches($@"1  system\s+{expectedSystem}\n", output);
        Assert.Matches($@"input\s+{expectedInput}\s", output);
        Assert.Matches(@"max output\s+600\s+\(max_output_tokens of the prompt\)", output);
        Assert.Contains($"maximum cost of one call: ${expectedCost.ToString("0.00000000", System.Globalization.CultureInfo.InvariantCulture)}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Estimate_NonOpenAiModel_SaysTheCountsAreApproximate()
    {
        var input = _cli.Write("input.json", """{"company_name": "Acme", "question": "Where is my order?"}""");

        var (exitCode, output, _) = CliRunner.Run("estimate", "customer-support@2.0.0", "--input", input, "--model", "claude-sonnet-4-5", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Contains("note: claude-sonnet-4-5 is not an OpenAI model: these counts use OpenAI's tokenizer and are approximate", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Estimate_OtherModel_CountsAndPricesForThatModel()
    {
        var input = _cli.Write("input.json", """{"company_name": "Acme", "question": "Where is my order?"}""");

        var (exitCode, output, _) = CliRunner.Run("estimate", "customer-support@2.0.0", "--input", input, "--model", "gpt-4", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Contains("on gpt-4 (tokenizer cl100k_base)", output, StringComparison.Ordinal);
        Assert.Contains("litellm 2026-08-01 (sha256 ba37bb46dc46): gpt-4\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Estimate_OverThePromptBudget_ExitsOne()
    {
        var dir = Path.Combine(_cli.Root, "prompts");
        _cli.Write("prompts/tiny/1.0.0.yaml", """
            id: tiny
            version: 1.0.0
            status: published
            model: { id: gpt-4o, max_output_tokens: 500 }
            budget: { max_tokens_per_request: 100 }
            messages:
              - role: user
                content: Summarise our refund policy.
            """);

        var (exitCode, output, error) = CliRunner.Run("estimate", "tiny", "--dir", dir);

        Assert.Equal(1, exitCode);
        Assert.Contains("OVER BUDGET", output, StringComparison.Ordinal);
        Assert.Contains("error: 'tiny@1.0.0' needs up to", error, StringComparison.Ordinal);
        Assert.Contains("over its budget of 100", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Estimate_UnknownModel_WarnsThatTheCostIsUnknownAndStillCounts()
    {
        var input = _cli.Write("input.json", """{"company_name": "Acme", "question": "Where is my order?"}""");

        var (exitCode, output, error) = CliRunner.Run("estimate", "customer-support@2.0.0", "--input", input, "--model", "acme-llm-9000", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Contains("1  system", output, StringComparison.Ordinal);
        Assert.DoesNotContain("maximum cost", output, StringComparison.Ordinal);
        Assert.Contains("warning: model 'acme-llm-9000' has no known price", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Estimate_MissingPriceFile_IsAUsageError()
    {
        var (exitCode, _, error) = CliRunner.Run("estimate", "customer-support@2.0.0", "--input", _cli.Write("i.json", """{"company_name": "A", "question": "Q"}"""), "--price-file", Path.Combine(_cli.Root, "nope.json"), "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(2, exitCode);
        Assert.Contains("--price-file", error, StringComparison.Ordinal);
    }
}
