using Microsoft.Extensions.AI;

namespace PromptOps.Tests.Tokens;

public class TiktokenTokenCounterTests
{
    private readonly TiktokenTokenCounter _counter = new();

    [Theory]
    [InlineData("hello world", "gpt-4", 2)]
    [InlineData("hello world", "gpt-3.5-turbo", 2)]
    [InlineData("hello world", "gpt-4o", 2)]
    [InlineData("tiktoken is great!", "gpt-4", 6)]
    [InlineData("", "gpt-4o", 0)]
    public void CountTokens_KnownVectors_MatchTiktoken(string text, string model, int expected) =>
        Assert.Equal(expected, _counter.CountTokens(text, model));

    [Theory]
    [InlineData("gpt-4o", "o200k_base")]
    [InlineData("gpt-4o-2024-08-06", "o200k_base")]
    [InlineData("openai/gpt-4.1-mini", "o200k_base")]
    [InlineData("gpt-5", "o200k_base")]
    [InlineData("o3-mini", "o200k_base")]
    [InlineData("chatgpt-4o-latest", "o200k_base")]
    [InlineData("gpt-4", "cl100k_base")]
    [InlineData("gpt-4-0613", "cl100k_base")]
    [InlineData("gpt-4-turbo", "cl100k_base")]
    [InlineData("azure/gpt-35-turbo", "cl100k_base")]
    [InlineData("gpt-3.5-turbo", "cl100k_base")]
    [InlineData("claude-sonnet-4-5", "o200k_base")]
    [InlineData(null, "o200k_base")]
    public void GetEncodingName_ModelFamilies_PickTheirEncoding(string? model, string expected) =>
        Assert.Equal(expected, TiktokenTokenCounter.GetEncodingName(model));

    [Fact]
    public void CountTokens_EncodingsDiffer_Cl100kAndO200kCountTheSameTextDifferently()
    {
        var text = "Les élèves étudient l'informatique à l'université de Montréal depuis 2019.";
        Assert.NotEqual(_counter.CountTokens(text, "gpt-4"), _counter.CountTokens(text, "gpt-4o"));
    }

    [Fact]
    public void EstimateInputTokens_OneMessage_AddsOpenAiChatFraming()
    {
        var messages = new[] { new ChatMessage(ChatRole.User, "hello world") };
        var role = _counter.CountTokens("user", "gpt-4");

        var estimate = _counter.EstimateInputTokens(messages, null, "gpt-4");

        Assert.Equal(3 + 3 + role + 2, estimate);
    }

    [Theory]
    [InlineData("gpt-4")]
    [InlineData("gpt-4o")]
    public void EstimateInputTokens_StandardAndCustomRoles_EachRoleCountedAsItsText(string model)
    {
        ChatRole[] roles = [ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool, new ChatRole("critic"), new ChatRole("Reviewer-Bot")];
        var messages = roles.Select(role => new ChatMessage(role, "ok")).ToList();
        var expected = 3 + roles.Sum(role => 3 + _counter.CountTokens(role.Value, model) + _counter.CountTokens("ok", model));

        Assert.Equal(expected, _counter.EstimateInputTokens(messages, null, model));
        Assert.Equal(expected, _counter.EstimateInputTokens(messages.AsEnumerable().Select(m => m), null, model));
    }

    [Fact]
    public void EstimateInputTokens_ToolDefinitions_AreCounted()
    {
        var messages = new[] { new ChatMessage(ChatRole.User, "Where is order 42?") };
        var tool = AIFunctionFactory.Create((string orderId) => "shipped", "lookup_order", "Looks up an order by its id.");
        var without = _counter.EstimateInputTokens(messages, new ChatOptions(), "gpt-4o");

        var with = _counter.EstimateInputTokens(messages, new ChatOptions { Tools = [tool] }, "gpt-4o");

        Assert.True(with > without + 10, $"A tool definition should add its name, description and schema: {without} -> {with}.");
    }

    [Fact]
    public void EstimateInputTokens_ModelFromOptions_UsedWhenNoneGiven()
    {
        var text = string.Concat(Enumerable.Repeat("Überprüfung der Bestellung für Kundin Müller. ", 20));
        var messages = new[] { new ChatMessage(ChatRole.System, text) };

        Assert.Equal(
            _counter.EstimateInputTokens(messages, null, "gpt-4"),
            _counter.EstimateInputTokens(messages, new ChatOptions { ModelId = "gpt-4" }, null));
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("gpt-4")]
    public void EstimateInputTokensUpperBound_VariedTexts_NeverBelowTheExactEstimate(string model)
    {
        var counter = new TiktokenTokenCounter();
        string[] texts =
        [
            "Where is my order 10023?",
            "Où est ma commande ? Merci beaucoup — à bientôt.",
            "注文番号10023はどこですか？ 🚚📦 急いでいます。",
            "    indented\n\tcode() { return 42; }\n",
            "1234567890 3.14159 2.71828 6.02214076e23",
            string.Concat(Enumerable.Repeat("A long repeated system paragraph about returns. ", 20)),
            string.Concat(Enumerable.Repeat("Ünïcödé 文字 ", 60)),
        ];
        foreach (var text in texts)
        {
            ChatMessage[] messages = [new(ChatRole.System, texts[^2]), new(ChatRole.User, text) { AuthorName = "ann" }, new(ChatRole.Assistant, [new FunctionCallContent("c1", "lookup", new Dictionary<string, object?> { ["order"] = "10023" })])];
            var exact = counter.EstimateInputTokens(messages, null, model);
            var bound = counter.EstimateInputTokensUpperBound(messages, null, model);
            var quick = counter.QuickUpperBound(messages, null, model);

            Assert.True(bound >= exact, $"bound {bound} < exact {exact} for '{text}'");
            Assert.True(quick >= bound, $"bound from lengths {quick} < bound {bound} for '{text}'");
        }
    }

    [Fact]
    public void EstimateInputTokensUpperBound_OnlyLongTexts_EqualsTheExactEstimate()
    {
        var counter = new TiktokenTokenCounter();
        var longText = string.Concat(Enumerable.Repeat("Refunds are issued within 14 days of the return. ", 30));
        ChatMessage[] messages = [new(ChatRole.System, longText), new(ChatRole.User, longText + " And again.")];

        Assert.Equal(counter.EstimateInputTokens(messages, null, "gpt-4o"), counter.EstimateInputTokensUpperBound(messages, null, "gpt-4o"));
    }

    [Fact]
    public void CountTokens_LongTextsDifferingInOneCharacter_AreCountedSeparately()
    {
        // The cache hashes a sample of each long text; texts that differ anywhere must still get their own counts.
        var counter = new TiktokenTokenCounter();
        var baseText = string.Concat(Enumerable.Repeat("abcdefgh ", 300));
        var variants = Enumerable.Range(0, 40).Select(i => baseText[..(i * 50)] + "Zebra crossing 12345" + baseText[(i * 50 + 20)..]).ToList();

        foreach (var text in variants.Prepend(baseText))
        {
            Assert.Equal(new TiktokenTokenCounter().CountTokens(text, "gpt-4o"), counter.CountTokens(text, "gpt-4o"));
        }

        Assert.Equal(new TiktokenTokenCounter().CountTokens(baseText, "gpt-4o"), counter.CountTokens(new string(baseText.AsSpan()), "gpt-4o"));
    }

    [Fact]
    public async Task CountTokens_ManyParallelCallersOnLongTexts_AgreeWithASingleCount()
    {
        var texts = Enumerable.Range(0, 8).Select(i => string.Concat(Enumerable.Repeat($"Policy clause {i}: refunds within 30 days. ", 40))).ToArray();
        var expected = texts.Select(t => new TiktokenTokenCounter().CountTokens(t, "gpt-4o")).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() => (i % 8, _counter.CountTokens(texts[i % 8], "gpt-4o")))));

        Assert.All(results, r => Assert.Equal(expected[r.Item1], r.Item2));
    }
}
