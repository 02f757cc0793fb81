using Microsoft.Extensions.AI;

namespace PromptOps.Testing.Tests.Evaluation;

/// <summary>A temporary prompt library with one prompt (<c>echo@1.0.0</c>, input <c>text</c>) and helpers to run suites against it.</summary>
internal sealed class EvalHarness : IDisposable
{
    public EvalHarness()
    {
        Folder = Directory.CreateTempSubdirectory("promptops-eval-").FullName;
        Write("prompts/echo/1.0.0.yaml", """
            id: echo
            version: 1.0.0
            status: published
            model: { id: gpt-4o-mini, max_output_tokens: 100 }
            inputs:
              text: { type: string, required: true }
            messages:
              - role: user
                content: "{{ text }}"
            """);
        Write("prompts/echo/1.1.0.yaml", """
            id: echo
            version: 1.1.0
            status: draft
            model: { id: gpt-4o-mini, max_output_tokens: 100 }
            inputs:
              text: { type: string, required: true }
            messages:
              - role: system
                content: Answer briefly.
              - role: user
                content: "{{ text }}"
            """);
        Library = PromptLibrary.LoadDirectory(Path.Combine(Folder, "prompts"));
        Assert.False(Library.HasErrors, string.Join("\n", Library.Diagnostics));
    }

    public string Folder { get; }

    public PromptLibrary Library { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    public string Write(string relativePath, string text)
    {
        var path = Path.Combine(Folder, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        return path;
    }

    public EvalSuite Suite(string yaml) => EvalSuite.Parse("prompts: prompts\n" + yaml, Path.Combine(Folder, "suite.eval.yaml"));

    public Task<EvalReport> RunAsync(EvalSuite suite, IChatClient client, EvalRunOptions? options = null) =>
        EvalRunner.RunAsync(suite, EvalTarget.Resolve(suite, Library, _ => client), options);

    /// <summary>Runs one case (text "hi") with one assertion against a fixed reply and returns that assertion's verdict.</summary>
    public async Task<EvalAssertionResult> VerdictAsync(string assertionYaml, ChatResponse reply, string vars = "{}", IChatClient? judge = null)
    {
        var suite = Suite($"prompt: echo\njudge: {{ model: gpt-4o-mini }}\ncases:\n  - inputs: {{ text: hi }}\n    vars: {vars}\n    assert:\n      - {assertionYaml}\n");
        var report = await RunAsync(suite, new FakeChatClient().ReplyWith(reply), new EvalRunOptions { JudgeClient = judge });
        return Assert.Single(report.Targets[0].Cases[0].Runs[0].Assertions);
    }

    public static ChatResponse Reply(string text, long input = 20, long output = 10, double? latencyMs = null)
    {
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output } };
        if (latencyMs is { } ms)
        {
            response.AdditionalProperties = new() { [CassetteChatClient.RecordedLatencyKey] = ms };
        }

        return response;
    }

    public static ChatResponse ToolCall(string name, Dictionary<string, object?> arguments) =>
        new(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", name, arguments)])) { Usage = new UsageDetails { InputTokenCount = 20, OutputTokenCount = 10 } };
}
