using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace PromptOps.Testing;

/// <summary>Asks a judge model to score a reply against a rubric and reads its verdict strictly.</summary>
/// <remarks>
/// The judge must answer with one JSON object <c>{"score": &lt;number 0..1&gt;, "reason": "&lt;text&gt;"}</c> (a single
/// <c>```json</c> fence around it is accepted). Anything else (prose, a score outside 0..1, a missing or empty reason, extra
/// text) is an unreadable verdict: the assertion is marked errored, never passed.
/// </remarks>
internal sealed class LlmJudge(IChatClient client, EvalJudgeDefinition settings)
{
    internal const string Instructions = """
        You are a strict evaluator of an AI assistant's reply. Grade the REPLY against the RUBRIC only.
        Answer with exactly one JSON object and nothing else: {"score": <number from 0 to 1>, "reason": "<one sentence>"}.
        A score of 1 means the reply fully meets the rubric; 0 means it does not meet it at all.
        """;

    public async Task<JudgeVerdict> GradeAsync(string rubric, IReadOnlyDictionary<string, object?> inputs, string reply, CancellationToken cancellationToken)
    {
        var request = new StringBuilder()
            .Append("RUBRIC:\n").Append(rubric.Trim()).Append("\n\n")
            .Append("INPUTS:\n").Append(JsonSerializer.Serialize(new SortedDictionary<string, object?>(inputs.ToDictionary(), StringComparer.Ordinal), JsonValueText.Options)).Append("\n\n")
            .Append("REPLY:\n").Append(reply);
        var options = new ChatOptions { ModelId = settings.Model, Temperature = settings.Temperature, MaxOutputTokens = 300, ResponseFormat = ChatResponseFormat.Json };
        ChatResponse response;
        try
        {
            response = await client.GetResponseAsync([new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, request.ToString())], options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return JudgeVerdict.Unreadable($"the judge call failed: {ex.Message}");
        }

        return Parse(response.Text);
    }

    /// <summary>Reads a judge reply; anything but one well-formed verdict object is unreadable.</summary>
    internal static JudgeVerdict Parse(string text)
    {
        var json = EvalAssertionEvaluator.StripFence(text);
        var shown = json.Length <= 120 ? json : json[..117] + "...";
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("score", out var score) || score.ValueKind != JsonValueKind.Number
                || !root.TryGetProperty("reason", out var reason) || reason.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(reason.GetString()))
            {
                return JudgeVerdict.Unreadable($"the judge's reply is not {{\"score\": <0..1>, \"reason\": \"...\"}}: {shown}");
            }

            var value = score.GetDouble();
            return value is < 0 or > 1 || double.IsNaN(value)
                ? JudgeVerdict.Unreadable(string.Create(CultureInfo.InvariantCulture, $"the judge's score {value} is outside 0..1: {shown}"))
                : new JudgeVerdict(value, reason.GetString()!, null);
        }
        catch (JsonException)
        {
            return JudgeVerdict.Unreadable($"the judge's reply is not JSON: {shown}");
        }
    }
}

/// <summary>A judge's verdict, or why it could not be read.</summary>
internal sealed record JudgeVerdict(double Score, string Reason, string? Error)
{
    public static JudgeVerdict Unreadable(string error) => new(0, string.Empty, error);
}
