using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace PromptOps.Testing;

/// <summary>What an assertion looks at: the reply, its usage, cost and latency, and the case's values.</summary>
internal sealed record EvalObservation(
    string Output,
    ChatResponse Response,
    long InputTokens,
    long OutputTokens,
    decimal? CostUsd,
    string? Model,
    double LatencyMs,
    EvalCase Case);

/// <summary>Scores one reply against one assertion.</summary>
internal static class EvalAssertionEvaluator
{
    private static readonly TimeSpan s_regexTimeout = TimeSpan.FromSeconds(2);

    public static async Task<EvalAssertionResult> EvaluateAsync(EvalAssertion assertion, EvalObservation observed, LlmJudge? judge, CancellationToken cancellationToken)
    {
        if (assertion.Kind == EvalAssertionKind.LlmJudge)
        {
            if (judge is null)
            {
                return Result(assertion, false, "No judge client was given: pass EvalRunOptions.JudgeClient (the CLI uses the suite's cassette or provider).", errored: true);
            }

            var verdict = await judge.GradeAsync(assertion.Rubric!, observed.Case.Inputs, observed.Output, cancellationToken).ConfigureAwait(false);
            return verdict.Error is not null
                ? Result(assertion, false, verdict.Error, errored: true)
                : new EvalAssertionResult
                {
                    Label = assertion.Label,
                    Kind = assertion.Kind,
                    Weight = assertion.Weight,
                    Passed = verdict.Score >= assertion.MinScore,
                    Score = verdict.Score,
                    Reason = string.Create(CultureInfo.InvariantCulture, $"judge scored {verdict.Score:0.##} (needs {assertion.MinScore:0.##}): {verdict.Reason}"),
                };
        }

        try
        {
            var (passed, reason) = Evaluate(assertion, observed, Expected(assertion, observed.Case));
            return Result(assertion, passed, reason);
        }
        catch (RegexMatchTimeoutException)
        {
            return Result(assertion, false, $"the regular expression took longer than {s_regexTimeout.TotalSeconds} s on this reply; simplify it", errored: true);
        }
    }

    private static IReadOnlyList<object?> Expected(EvalAssertion assertion, EvalCase evalCase)
    {
        if (assertion.ValueFrom is null)
        {
            return assertion.Values;
        }

        var value = evalCase.Vars[assertion.ValueFrom];
        return value is IEnumerable<object?> list && value is not string ? [.. list] : [value];
    }

    private static (bool Passed, string Reason) Evaluate(EvalAssertion assertion, EvalObservation observed, IReadOnlyList<object?> expected)
    {
        var output = observed.Output;
        var comparison = assertion.IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var texts = expected.Select(JsonValues.ToText).ToList();
        switch (assertion.Kind)
        {
            case EvalAssertionKind.Equals:
                return string.Equals(output.Trim(), texts[0].Trim(), comparison)
                    ? (true, $"the reply equals \"{Snippets.Shorten(texts[0])}\"")
                    : (false, $"expected \"{Snippets.Shorten(texts[0])}\", got \"{Snippets.Shorten(output.Trim())}\"");
            case EvalAssertionKind.StartsWith:
                return output.TrimStart().StartsWith(texts[0], comparison)
                    ? (true, $"the reply starts with \"{Snippets.Shorten(texts[0])}\"")
                    : (false, $"the reply starts with \"{Snippets.Shorten(output.TrimStart(), 40)}\", not \"{Snippets.Shorten(texts[0])}\"");
            case EvalAssertionKind.Contains or EvalAssertionKind.ContainsAll:
            {
                var missing = texts.Where(t => !output.Contains(t, comparison)).ToList();
                return missing.Count == 0
                    ? (true, $"the reply contains {Quote(texts)}")
                    : (false, $"the reply lacks {Quote(missing)}");
            }

            case EvalAssertionKind.ContainsAny:
            {
                var found = texts.FirstOrDefault(t => output.Contains(t, comparison));
                return found is not null
                    ? (true, $"the reply contains \"{Snippets.Shorten(found)}\"")
                    : (false, $"the reply contains none of {Quote(texts)}");
            }

            case EvalAssertionKind.NotContains:
            {
                var present = texts.Where(t => output.Contains(t, comparison)).ToList();
                return present.Count == 0
                    ? (true, $"the reply contains none of {Quote(texts)}")
                    : (false, $"the reply contains {Quote(present)}");
            }

            case EvalAssertionKind.Regex or EvalAssertionKind.NotRegex:
            {
                var options = assertion.IgnoreCase ? RegexOptions.IgnoreCase : RegexOptions.None;
                var match = Regex.Match(output, texts[0], options, s_regexTimeout);
                var wanted = assertion.Kind == EvalAssertionKind.Regex;
                return match.Success == wanted
                    ? (true, match.Success ? $"matched \"{Snippets.Shorten(match.Value)}\"" : $"no match for /{texts[0]}/")
                    : (false, match.Success ? $"/{texts[0]}/ matched \"{Snippets.Shorten(match.Value)}\"" : $"no match for /{texts[0]}/");
            }

            case EvalAssertionKind.IsJson:
                return TryParseJson(output, out var error) is not null
                    ? (true, "the reply is valid JSON")
                    : (false, $"the reply is not valid JSON: {error}");
            case EvalAssertionKind.JsonPath:
                return JsonPath(assertion, output, expected);
            case EvalAssertionKind.ToolCalled:
                return ToolCalled(assertion, observed.Response);
            case EvalAssertionKind.ToolNotCalled:
            {
                var calls = Calls(observed.Response).Where(c => assertion.ToolName is null || c.Name == assertion.ToolName).ToList();
                return calls.Count == 0
                    ? (true, assertion.ToolName is null ? "no tool was called" : $"{assertion.ToolName} was not called")
                    : (false, $"called {string.Join(", ", calls.Select(Describe))}");
            }

            case EvalAssertionKind.MaxTokens:
            {
                var (tokens, what) = assertion.TokenCount switch
                {
                    EvalTokenCount.Input => (observed.InputTokens, "input"),
                    EvalTokenCount.Output => (observed.OutputTokens, "output"),
                    _ => (observed.InputTokens + observed.OutputTokens, "total"),
                };
                return Limit(tokens <= assertion.Limit, string.Create(CultureInfo.InvariantCulture, $"{tokens} {what} tokens"), string.Create(CultureInfo.InvariantCulture, $"{assertion.Limit}"));
            }

            case EvalAssertionKind.MaxCost:
                return observed.CostUsd is { } cost
                    ? Limit((double)cost <= assertion.Limit, string.Create(CultureInfo.InvariantCulture, $"${cost:0.######}"), string.Create(CultureInfo.InvariantCulture, $"${assertion.Limit:0.######}"))
                    : (false, $"the model '{observed.Model ?? "(none)"}' has no price, so the cost is unknown; add a price (PromptOps:Pricing or a LiteLLM price file) or remove max-cost");
            case EvalAssertionKind.MaxLatency:
                return Limit(observed.LatencyMs <= assertion.Limit, string.Create(CultureInfo.InvariantCulture, $"{observed.LatencyMs:0.#} ms"), string.Create(CultureInfo.InvariantCulture, $"{assertion.Limit} ms"));
            default:
                throw new InvalidOperationException($"The assertion kind {assertion.Kind} has no evaluator.");
        }
    }

    private static (bool, string) Limit(bool within, string actual, string limit) =>
        within ? (true, $"{actual}, within {limit}") : (false, $"{actual}, over the limit of {limit}");

    /// <summary>Parses the reply as JSON, accepting one surrounding <c>```json</c> fence; returns the JSON text or <see langword="null"/>.</summary>
    internal static string? TryParseJson(string output, out string? error)
    {
        var text = StripFence(output);
        try
        {
            using var _ = JsonDocument.Parse(text);
            error = null;
            return text;
        }
        catch (System.Text.Json.JsonException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    internal static string StripFence(string output)
    {
        var text = output.Trim();
        if (!text.StartsWith("```", StringComparison.Ordinal) || !text.EndsWith("```", StringComparison.Ordinal) || text.Length < 6)
        {
            return text;
        }

        var firstLineEnd = text.IndexOf('\n', StringComparison.Ordinal);
        return firstLineEnd < 0 ? text : text[(firstLineEnd + 1)..^3].Trim();
    }

    private static (bool, string) JsonPath(EvalAssertion assertion, string output, IReadOnlyList<object?> expected)
    {
        var json = TryParseJson(output, out var error);
        if (json is null)
        {
            return (false, $"the reply is not valid JSON: {error}");
        }

        List<JToken> selected;
        try
        {
            selected = [.. JToken.Parse(json).SelectTokens(assertion.Path!)];
        }
        catch (Newtonsoft.Json.JsonException ex)
        {
            return (false, $"the JSONPath '{assertion.Path}' cannot be applied: {ex.Message}");
        }

        if (selected.Count == 0)
        {
            return (false, $"{assertion.Path} selects nothing in {Snippets.Shorten(json)}");
        }

        if (expected.Count == 0)
        {
            return (true, $"{assertion.Path} exists");
        }

        var want = expected[0];
        var comparison = assertion.IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (var token in selected)
        {
            var matches = want is string or long or double or bool or null
                ? string.Equals(TokenText(token), JsonValues.ToText(want), comparison)
                : JToken.DeepEquals(token, JToken.Parse(System.Text.Json.JsonSerializer.Serialize(want, JsonValueText.Options)));
            if (matches)
            {
                return (true, $"{assertion.Path} = {Snippets.Shorten(TokenText(token))}");
            }
        }

        return (false, $"{assertion.Path} = {string.Join(", ", selected.Select(t => Snippets.Shorten(TokenText(t))))}, expected {Snippets.Shorten(JsonValues.ToText(want))}");
    }

    private static string TokenText(JToken token) => token.Type switch
    {
        JTokenType.String => token.Value<string>() ?? string.Empty,
        JTokenType.Null => "null",
        JTokenType.Boolean => token.Value<bool>() ? "true" : "false",
        JTokenType.Float => token.Value<double>().ToString("R", CultureInfo.InvariantCulture),
        _ => token.ToString(Formatting.None),
    };

    private static (bool, string) ToolCalled(EvalAssertion assertion, ChatResponse response)
    {
        var calls = Calls(response).ToList();
        var named = calls.Where(c => c.Name == assertion.ToolName).ToList();
        if (named.Count == 0)
        {
            return (false, calls.Count == 0 ? $"no tool was called; expected {assertion.ToolName}" : $"called {string.Join(", ", calls.Select(Describe))}, not {assertion.ToolName}");
        }

        if (assertion.Arguments is null)
        {
            return (true, $"called {Describe(named[0])}");
        }

        foreach (var call in named)
        {
            var mismatch = assertion.Arguments.FirstOrDefault(expected =>
                call.Arguments is null || !call.Arguments.TryGetValue(expected.Key, out var actual) || JsonValues.ToText(Plain(actual)) != JsonValues.ToText(expected.Value));
            if (mismatch.Key is null)
            {
                return (true, $"called {Describe(call)}");
            }
        }

        return (false, $"called {string.Join(", ", named.Select(Describe))}; expected arguments {string.Join(", ", assertion.Arguments.Select(a => $"{a.Key}={JsonValues.ToText(a.Value)}"))}");
    }

    internal static IEnumerable<FunctionCallContent> Calls(ChatResponse response) =>
        response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>();

    internal static string Describe(FunctionCallContent call) =>
        call.Name + "(" + string.Join(", ", (call.Arguments ?? new Dictionary<string, object?>()).Select(a => $"{a.Key}={JsonValues.ToText(Plain(a.Value))}")) + ")";

    private static object? Plain(object? value) => value is JsonElement element ? JsonValues.ToClr(element) : value;

    private static string Quote(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"\"{Snippets.Shorten(v)}\""));

    private static EvalAssertionResult Result(EvalAssertion assertion, bool passed, string reason, bool errored = false) => new()
    {
        Label = assertion.Label,
        Kind = assertion.Kind,
        Weight = assertion.Weight,
        Passed = passed,
        Errored = errored,
        Reason = reason,
    };
}
