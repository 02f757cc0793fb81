// Records the cassettes of tests/evals/ from a scripted stand-in model, for machines with no provider.
//   dotnet run tests/evals/record-offline.cs
// The replies come from the rules below, not from a real LLM: they are there so the suites, the runner, the cassette
// format and the CI job can be exercised offline. With a provider, record real replies instead:
//   OPENAI_API_KEY=... dotnet run --project src/PromptOps.Cli -- eval tests/evals/<suite>.eval.yaml --mode record
#:project ../../src/PromptOps.Sdk.Testing/PromptOps.Sdk.Testing.csproj
#:property PublishAot=false
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using PromptOps;
using PromptOps.Testing;

var folder = Path.GetDirectoryName(Path.GetFullPath(args.Length > 0 ? args[0] : "tests/evals/x"))!;
foreach (var path in Directory.GetFiles(folder, "*.eval.yaml").Order())
{
    var suite = EvalSuite.Load(path);
    if (suite.CassettePath is null)
    {
        continue;
    }

    File.Delete(suite.CassettePath);
    var cassette = Cassette.Open(suite.CassettePath);
    var model = new FakeChatClient("scripted") { RespondWith = ScriptedModel.Reply, Latency = TimeSpan.FromMilliseconds(120) };
    using var client = new CassetteChatClient(cassette, CassetteMode.Record, model);
    var library = PromptLibrary.LoadDirectory(suite.PromptsDirectory!);
    var targets = EvalTarget.Resolve(suite, library, _ => client);
    var report = await EvalRunner.RunAsync(suite, targets, new EvalRunOptions { JudgeClient = client });
    Console.WriteLine($"{Path.GetFileName(path)}: recorded {cassette.Count} response(s) into {Path.GetRelativePath(folder, suite.CassettePath)}; pass rates {string.Join(", ", report.Targets.Select(t => $"{t.Name} {t.PassRate:P0}"))}");
}

/// <summary>A rule-based stand-in for a chat model, answering the sample prompts and the judge.</summary>
static class ScriptedModel
{
    public static ChatResponse Reply(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        var system = messages.FirstOrDefault(m => m.Role == ChatRole.System)?.Text ?? string.Empty;
        var user = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        if (system.StartsWith("You are a strict evaluator", StringComparison.Ordinal))
        {
            return Text(Judge(user));
        }

        if (system.StartsWith("Classify the customer's message", StringComparison.Ordinal))
        {
            return Text(Classify(user, allowOther: system.Contains("\"other\"", StringComparison.Ordinal)));
        }

        if (system.StartsWith("You summarise customer support tickets", StringComparison.Ordinal))
        {
            var max = int.Parse(Regex.Match(system, @"at most (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var lines = Regex.Matches(user, @"^\[\d+\] (\w+): (.+)$", RegexOptions.Multiline).Take(max).Select(m => $"- {Capital(m.Groups[1].Value)}: {m.Groups[2].Value.Trim()}");
            return Text(string.Join("\n", lines));
        }

        var order = Regex.Match(user, @"\b[A-Z]-\d+\b");
        if (order.Success && options?.Tools is { Count: > 0 })
        {
            var tool = Regex.IsMatch(user, "where|parcel|track", RegexOptions.IgnoreCase) ? "track_shipping" : "lookup_order";
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_" + order.Value, tool, new Dictionary<string, object?> { ["order_id"] = order.Value })])) { FinishReason = ChatFinishReason.ToolCalls };
        }

        return Text("You can return any item within 30 days of delivery for a full refund. Just reply with your order number and I'll start the return for you.");
    }

    private static string Classify(string text, bool allowOther)
    {
        var rules = new (string Intent, string Pattern)[]
        {
            ("refund", "refund|money back|return it|reimburs|charged .*twice|charged my card twice"),
            ("shipping", "parcel|tracking|deliver|ship"),
            ("product_question", "waterproof|fit in|fuel|run small|size"),
        };
        var match = rules.FirstOrDefault(r => Regex.IsMatch(text, r.Pattern, RegexOptions.IgnoreCase));
        var (intent, confidence) = match.Intent is not null ? (match.Intent, 0.93) : allowOther ? ("other", 0.81) : ("product_question", 0.41);
        return JsonSerializer.Serialize(new { intent, confidence });
    }

    private static string Judge(string request)
    {
        var reply = request[(request.IndexOf("REPLY:\n", StringComparison.Ordinal) + 7)..];
        var bullets = reply.Split('\n').Count(l => l.StartsWith("- ", StringComparison.Ordinal));
        var (score, reason) = bullets >= 2
            ? (0.9, $"The {bullets} bullets keep the customer's problem and the agent's action.")
            : bullets == 1 ? (0.75, "The single bullet states the problem; nothing else has happened yet.") : (0.2, "The reply is not a bullet summary.");
        return JsonSerializer.Serialize(new { score, reason });
    }

    private static ChatResponse Text(string text) => new(new ChatMessage(ChatRole.Assistant, text)) { FinishReason = ChatFinishReason.Stop };

    private static string Capital(string word) => char.ToUpperInvariant(word[0]) + word[1..];
}
