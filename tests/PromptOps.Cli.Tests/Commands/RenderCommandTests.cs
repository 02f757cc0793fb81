using System.Text.Json;

namespace PromptOps.Cli.Tests.Commands;

public sealed class RenderCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Render_ExactVersionWithJsonInput_PrintsMessagesAndOptions()
    {
        var input = _cli.Write("input.json", """{"company_name": "Acme", "question": "Where is my order?"}""");

        var (exitCode, output, error) = CliRunner.Run("render", "customer-support@2.0.0", "--input", input, "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.StartsWith("# customer-support@2.0.0\n\n--- system ---\nYou are a customer support agent for Acme.", output, StringComparison.Ordinal);
        Assert.Contains("--- user ---\nWhere is my order?\n", output, StringComparison.Ordinal);
        Assert.Contains("model: gpt-4o\ntemperature: 0.3\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoVersionWithYamlInputAndJsonFormat_RendersTheServedVersionAsJson()
    {
        var input = _cli.Write("input.yaml", "labels: [refund, shipping]\ntext: Where is my parcel?\n");

        var (exitCode, output, _) = CliRunner.Run("render", "classify-intent", "--input", input, "--format", "json", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("1.0.0", json.RootElement.GetProperty("prompt").GetProperty("version").GetString());
        Assert.Equal("json", json.RootElement.GetProperty("options").GetProperty("response_format").GetString());
        Assert.Contains("refund, shipping", json.RootElement.GetProperty("messages")[0].GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MissingRequiredInput_ExitsOneNamingTheInput()
    {
        var (exitCode, _, error) = CliRunner.Run("render", "summarize-ticket", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(1, exitCode);
        Assert.Contains("error PO2001: Prompt 'summarize-ticket' version 1.0.0 requires the input 'ticket_id'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_UnknownPromptOrVersion_ExitsOneListingWhatExists()
    {
        var unknownPrompt = CliRunner.Run("render", "customer-suport", "--dir", CliRunner.RepositoryPrompts());
        var unknownVersion = CliRunner.Run("render", "customer-support@9.0.0", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(1, unknownPrompt.ExitCode);
        Assert.Contains("Did you mean 'customer-support'?", unknownPrompt.Error, StringComparison.Ordinal);
        Assert.Equal(1, unknownVersion.ExitCode);
        Assert.Contains("2.0.0 (published), 2.1.0 (published)", unknownVersion.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("input.json", "{ not json")]
    [InlineData("input.json", "[1, 2]")]
    [InlineData("input.yaml", "a: [unclosed")]
    public void Render_MalformedInputFile_IsAUsageError(string fileName, string content)
    {
        var input = _cli.Write(fileName, content);

        var (exitCode, _, error) = CliRunner.Run("render", "customer-support", "--input", input, "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(2, exitCode);
        Assert.Contains(fileName, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_VersionNotSemVer_IsAUsageError()
    {
        var (exitCode, _, error) = CliRunner.Run("render", "customer-support@latest", "--dir", CliRunner.RepositoryPrompts());

        Assert.Equal(2, exitCode);
        Assert.Contains("'latest'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_LibraryWithErrors_ExitsOneAndShowsThem()
    {
        _cli.Write("a/1.0.0.yaml", "messages:\n  - role: robot\n    content: hi\n");

        var (exitCode, _, error) = CliRunner.Run("render", "a", "--dir", _cli.Root);

        Assert.Equal(1, exitCode);
        Assert.Contains("error PO1007", error, StringComparison.Ordinal);
    }
}
