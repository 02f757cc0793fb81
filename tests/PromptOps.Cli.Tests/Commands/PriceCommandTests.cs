namespace PromptOps.Cli.Tests.Commands;

public sealed class PriceCommandTests
{
    [Fact]
    public void Price_RouterIdThroughTheRoutersEndpoint_ShowsTheRoutersEntryAndRates()
    {
        var (exitCode, output, error) = CliRunner.Run("price", "openai/gpt-3.5-turbo", "--endpoint", "https://openrouter.ai/api/v1");

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Contains("priced as openrouter (from the endpoint host openrouter.ai)", output, StringComparison.Ordinal);
        Assert.Contains("price: litellm 2026-08-01 (sha256 ba37bb46dc46): openrouter/openai/gpt-3.5-turbo\n", output, StringComparison.Ordinal);
        Assert.Matches(@"input\s+\$1\.5 per million tokens", output);
        Assert.Matches(@"output\s+\$2 per million tokens", output);
    }

    [Fact]
    public void Price_ModelTheProviderDoesNotServe_FailsAndShowsTheOtherProvidersEntryItRefused()
    {
        var (exitCode, output, error) = CliRunner.Run("price", "gpt-4o", "--provider", "groq");

        Assert.Equal(1, exitCode);
        Assert.Matches(@"gpt-4o\s+filed under openai, which does not serve groq's calls", output);
        Assert.Contains("error: model 'gpt-4o' has no price for provider groq", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Price_XaiModel_ShowsTheTierFromItsThresholdAndTheRuleDifferences()
    {
        var (exitCode, output, _) = CliRunner.Run("price", "grok-4-fast-reasoning", "--endpoint", "https://api.x.ai/v1");

        Assert.Equal(0, exitCode);
        Assert.Contains("from 128,000 input tokens: input $0.4 per million tokens, output $1 per million tokens", output, StringComparison.Ordinal);
        Assert.Contains("note: no cache-write price", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Price_EndpointThatIsNotAUrl_IsAUsageErrorNamingTheOption()
    {
        var (exitCode, _, error) = CliRunner.Run("price", "gpt-4o", "--endpoint", "api.x.ai");

        Assert.Equal(2, exitCode);
        Assert.Contains("--endpoint 'api.x.ai' is not an absolute URL", error, StringComparison.Ordinal);
    }
}
