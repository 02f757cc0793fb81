using System.Text;

namespace PromptOps.Tests.Costs;

public sealed class ModelPriceTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("promptops-prices-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LoadLiteLlmFile_LiteLlmFormat_ReadsPricesAndSkipsNonModels()
    {
        var path = Write("prices.json", """
            {
              "sample_spec": { "input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "mode": "chat" },
              "my-model": { "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "cache_read_input_token_cost": 1e-07, "litellm_provider": "custom", "mode": "chat",
                            "input_cost_per_token_above_200k_tokens": 2e-06, "output_cost_per_token_above_200k_tokens": 4e-06 },
              "image-model": { "output_cost_per_image": 0.04, "mode": "image_generation" }
            }
            """);

        var table = ModelPriceTable.LoadLiteLlmFile(path);

        Assert.Equal(1, table.Count);
        Assert.True(table.TryFind("my-model", null, out var match));
        Assert.Equal(0.000001m, match.Price.InputPerToken);
        Assert.Equal(0.0000001m, match.Price.CacheReadPerToken);
        Assert.Equal(200_000, Assert.Single(match.Price.LongContextTiers).ThresholdTokens);
    }

    [Fact]
    public void LoadLiteLlmFile_MalformedJson_NamesFileAndLine()
    {
        var path = Write("broken.json", "{\n  \"m\": { \"input_cost_per_token\": 1e-06,\n  oops }\n}");

        var error = Assert.Throws<PromptOpsException>(() => ModelPriceTable.LoadLiteLlmFile(path));

        Assert.StartsWith($"{path}(3,", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadLiteLlmFile_NegativeOrTextPrice_NamesModelAndField()
    {
        var path = Write("bad.json", """
            { "a": { "input_cost_per_token": -1e-06, "output_cost_per_token": 1e-06 },
              "b": { "input_cost_per_token": "cheap", "output_cost_per_token": 1e-06 } }
            """);

        var error = Assert.Throws<PromptOpsException>(() => ModelPriceTable.LoadLiteLlmFile(path));

        Assert.Contains("model 'a' has input_cost_per_token = -1e-06", error.Message, StringComparison.Ordinal);
        Assert.Contains("model 'b' has input_cost_per_token = \"cheap\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadLiteLlmFile_MissingFile_SaysWhichSettingToFix()
    {
        var error = Assert.Throws<PromptOpsException>(() => ModelPriceTable.LoadLiteLlmFile(Path.Combine(_dir, "nope.json")));

        Assert.Contains("PromptOps:Pricing:PriceFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithOverrides_ReplacesOneModel_LeavesTheOriginalUnchanged()
    {
        var cheap = new ModelPrice { InputPerToken = 0m, OutputPerToken = 0.000001m };

        var table = ModelPriceTable.Default.WithOverrides(new Dictionary<string, ModelPrice> { ["gpt-4o"] = cheap }, "configuration");

        Assert.True(table.TryFind("gpt-4o", null, out var overridden));
        Assert.Same(cheap, overridden.Price);
        Assert.EndsWith("+ configuration", overridden.Source, StringComparison.Ordinal);
        Assert.True(ModelPriceTable.Default.TryFind("gpt-4o", null, out var original));
        Assert.Equal(0.0000025m, original.Price.InputPerToken);
    }

    [Fact]
    public void EmbeddedTable_GeneratedFile_RecordsSourceHashAndHoldsOnlyChatModels()
    {
        var generated = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src", "PromptOps.Sdk", "Costs", "Data", "litellm-chat-prices.json"), Encoding.UTF8);
        var provenanceSha = "ba37bb46dc4662f4bfed71db90168644ef917713fa073bd397775376d55a6b1c";

        Assert.Contains($"\"source_sha256\": \"{provenanceSha}\"", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("\"mode\": \"embedding\"", generated, StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
