namespace PromptOps.Testing.Tests.Evaluation;

public sealed class EvalAssertionTests : IDisposable
{
    private readonly EvalHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    public static TheoryData<string, string, bool> TextCases() => new()
    {
        { "{ type: equals, value: refund }", "  refund \n", true },
        { "{ type: equals, value: refund }", "Refund", false },
        { "{ type: iequals, value: refund }", "REFUND", true },
        { "{ type: contains, value: 30 days }", "Return within 30 days.", true },
        { "{ type: contains, value: [30 days, receipt] }", "Return within 30 days.", false },
        { "{ type: icontains, value: RETURN }", "return it", true },
        { "{ type: icontains, value: refund }", "return it", false },
        { "{ type: not-contains, value: [sorry, unfortunately] }", "Sure thing!", true },
        { "{ type: not-contains, value: [sorry, unfortunately] }", "Sorry, unfortunately not.", false },
        { "{ type: not-icontains, value: sorry }", "SORRY!", false },
        { "{ type: contains-any, value: [refund, replacement] }", "We send a replacement.", true },
        { "{ type: contains-any, value: [refund, replacement] }", "We send a voucher.", false },
        { "{ type: contains-all, value: [pole, photo] }", "pole broke, photo sent", true },
        { "{ type: contains-all, value: [pole, photo] }", "pole broke", false },
        { "{ type: icontains-all, value: [POLE, PHOTO] }", "pole broke, photo sent", true },
        { "{ type: icontains-any, value: [HAMBURG] }", "stuck in hamburg", true },
        { "{ type: starts-with, value: '- ' }", "  - first bullet", true },
        { "{ type: starts-with, value: '- ' }", "Summary:\n- first", false },
        { "{ type: istarts-with, value: dear }", "Dear customer", true },
        { "{ type: regex, value: 'A-\\d{4}' }", "order A-1042", true },
        { "{ type: regex, value: 'A-\\d{4}' }", "order A-10", false },
        { "{ type: not-regex, value: '(?i)as an ai' }", "Here you go", true },
        { "{ type: not-regex, value: '(?i)as an ai' }", "As an AI, I cannot", false },
        { "{ type: is-json }", "{\"intent\": \"refund\"}", true },
        { "{ type: is-json }", "```json\n{\"intent\": \"refund\"}\n```", true },
        { "{ type: is-json }", "The intent is refund.", false },
        { "{ type: json-path, path: $.intent, value: refund }", "{\"intent\": \"refund\", \"confidence\": 0.9}", true },
        { "{ type: json-path, path: $.intent, value: refund }", "{\"intent\": \"shipping\"}", false },
        { "{ type: json-path, path: $.confidence, value: 0.9 }", "{\"confidence\": 0.9}", true },
        { "{ type: json-path, path: '$.items[1].sku', value: B2 }", "{\"items\": [{\"sku\": \"A1\"}, {\"sku\": \"B2\"}]}", true },
        { "{ type: json-path, path: $.urgent, value: true }", "{\"urgent\": false}", false },
        { "{ type: json-path, path: $.confidence }", "{\"intent\": \"x\"}", false },
        { "{ type: json-path, path: $.intent, value: refund }", "not json", false },
    };

    [Theory]
    [MemberData(nameof(TextCases))]
    public async Task TextAssertion_Reply_PassesOrFailsAsExpected(string assertion, string reply, bool passes)
    {
        var verdict = await _harness.VerdictAsync(assertion, EvalHarness.Reply(reply));

        Assert.True(verdict.Passed == passes, $"{assertion} on \"{reply}\": {verdict.Reason}");
        Assert.False(verdict.Errored);
        Assert.NotEmpty(verdict.Reason);
    }

    [Fact]
    public async Task ValueFrom_ReadsTheExpectedValueFromTheCase()
    {
        Assert.True((await _harness.VerdictAsync("{ type: json-path, path: $.intent, value_from: expected }", EvalHarness.Reply("{\"intent\": \"refund\"}"), "{ expected: refund }")).Passed);
        var failed = await _harness.VerdictAsync("{ type: equals, value_from: expected }", EvalHarness.Reply("shipping"), "{ expected: refund }");
        Assert.False(failed.Passed);
        Assert.Contains("expected \"refund\", got \"shipping\"", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolCalled_WithMatchingArguments_Passes()
    {
        var reply = EvalHarness.ToolCall("lookup_order", new() { ["order_id"] = "A-1", ["verbose"] = true });

        Assert.True((await _harness.VerdictAsync("{ type: tool-called, name: lookup_order, arguments: { order_id: A-1 } }", reply)).Passed);
        var wrongArgument = await _harness.VerdictAsync("{ type: tool-called, name: lookup_order, arguments: { order_id: B-2 } }", reply);
        Assert.False(wrongArgument.Passed);
        Assert.Contains("lookup_order(order_id=A-1, verbose=true)", wrongArgument.Reason, StringComparison.Ordinal);
        Assert.False((await _harness.VerdictAsync("{ type: tool-called, name: track_shipping }", reply)).Passed);
        Assert.False((await _harness.VerdictAsync("{ type: tool-called, name: lookup_order }", EvalHarness.Reply("no tools"))).Passed);
    }

    [Fact]
    public async Task ToolNotCalled_NamedOrAny_ChecksTheCalls()
    {
        var reply = EvalHarness.ToolCall("lookup_order", new() { ["order_id"] = "A-1" });

        Assert.True((await _harness.VerdictAsync("{ type: tool-not-called, name: process_refund }", reply)).Passed);
        Assert.False((await _harness.VerdictAsync("{ type: tool-not-called, name: lookup_order }", reply)).Passed);
        Assert.False((await _harness.VerdictAsync("{ type: tool-not-called }", reply)).Passed);
        Assert.True((await _harness.VerdictAsync("{ type: tool-not-called }", EvalHarness.Reply("text only"))).Passed);
    }

    [Theory]
    [InlineData("{ type: max-tokens, value: 30 }", 20, 10, true)]
    [InlineData("{ type: max-tokens, value: 29 }", 20, 10, false)]
    [InlineData("{ type: max-tokens, of: output, value: 10 }", 500, 10, true)]
    [InlineData("{ type: max-tokens, of: input, value: 100 }", 500, 10, false)]
    public async Task MaxTokens_CountsTheChosenTokens(string assertion, long input, long output, bool passes) =>
        Assert.Equal(passes, (await _harness.VerdictAsync(assertion, EvalHarness.Reply("x", input, output))).Passed);

    [Fact]
    public async Task MaxCost_PricesTheCallAtTheModelsRates()
    {
        // gpt-4o-mini: $0.15 per million input tokens and $0.60 per million output tokens in the default price table.
        var price = ModelPriceTable.Default.TryFind("gpt-4o-mini", null, out var match) ? match.Price : throw new InvalidOperationException();
        var expected = CostCalculator.Calculate(price, new TokenUsage(1_000_000, 1_000_000)).Total;

        Assert.True((await _harness.VerdictAsync($"{{ type: max-cost, value: {expected} }}", EvalHarness.Reply("x", 1_000_000, 1_000_000))).Passed);
        var over = await _harness.VerdictAsync($"{{ type: max-cost, value: {expected - 0.01m} }}", EvalHarness.Reply("x", 1_000_000, 1_000_000));
        Assert.False(over.Passed);
        Assert.Contains("over the limit", over.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxLatency_UsesTheRecordedLatencyOfAReplay()
    {
        Assert.True((await _harness.VerdictAsync("{ type: max-latency, value: 1500 }", EvalHarness.Reply("x", latencyMs: 1200))).Passed);
        Assert.False((await _harness.VerdictAsync("{ type: max-latency, value: 1000 }", EvalHarness.Reply("x", latencyMs: 1200))).Passed);
    }

    [Theory]
    [InlineData("{\"score\": 0.9, \"reason\": \"Mentions the pole.\"}", true, false)]
    [InlineData("```json\n{\"score\": 0.8, \"reason\": \"Fine.\"}\n```", true, false)]
    [InlineData("{\"score\": 0.4, \"reason\": \"Misses the photo.\"}", false, false)]
    [InlineData("The reply is good, I'd give it 9/10.", false, true)]
    [InlineData("{\"score\": 9, \"reason\": \"Out of ten.\"}", false, true)]
    [InlineData("{\"score\": \"high\", \"reason\": \"Words.\"}", false, true)]
    [InlineData("{\"score\": 0.9}", false, true)]
    [InlineData("{\"score\": 0.9, \"reason\": \"\"}", false, true)]
    [InlineData("{\"score\": 0.9, \"reason\": \"ok\"} Anything else?", false, true)]
    public async Task LlmJudge_Verdict_IsReadStrictly(string judgeReply, bool passes, bool errored)
    {
        var judge = new FakeChatClient().ReplyWith(judgeReply);

        var verdict = await _harness.VerdictAsync("{ type: llm-judge, rubric: Mentions the broken pole., min_score: 0.7 }", EvalHarness.Reply("- The pole broke."), judge: judge);

        Assert.Equal((passes, errored), (verdict.Passed, verdict.Errored));
        var request = judge.Requests.Single();
        Assert.Contains("Mentions the broken pole.", request.Messages[^1].Text, StringComparison.Ordinal);
        Assert.Contains("- The pole broke.", request.Messages[^1].Text, StringComparison.Ordinal);
        Assert.Equal("gpt-4o-mini", request.Options!.ModelId);
    }

    [Fact]
    public async Task LlmJudge_UnreadableVerdict_MarksTheRunErroredNotPassed()
    {
        var suite = _harness.Suite("prompt: echo\njudge: { model: gpt-4o-mini }\nthreshold: 0.5\ncases:\n  - inputs: { text: hi }\n    assert:\n      - { type: contains, value: pole, weight: 3 }\n      - { type: llm-judge, rubric: Polite }\n");

        var report = await _harness.RunAsync(suite, new FakeChatClient().ReplyWith("- The pole broke."), new EvalRunOptions { JudgeClient = new FakeChatClient().ReplyWith("Looks fine to me!") });

        var run = report.Targets[0].Cases[0].Runs[0];
        Assert.Equal(EvalOutcome.Errored, run.Outcome);
        Assert.Contains("not JSON", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, report.Targets[0].PassedRuns);
    }
}
