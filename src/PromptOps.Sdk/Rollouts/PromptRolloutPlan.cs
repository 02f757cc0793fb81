using System.Globalization;
using System.Text;

namespace PromptOps;

/// <summary>
/// How a guarded rollout grows: the share of users given the new version at each step, how long each step lasts, and the
/// guard checked before each next step. Start one with <see cref="IPromptActivations.StartRolloutAsync"/> or
/// <c>promptops rollout</c>.
/// </summary>
public sealed record PromptRolloutPlan
{
    /// <summary>Gets the percentages of users served the new version, step by step; increasing, each 1 to 100, ending at 100.</summary>
    /// <value>For example <c>[5, 25, 50, 100]</c>.</value>
    public required IReadOnlyList<int> Steps { get; init; }

    /// <summary>Gets how long each step lasts before the guard decides the next one.</summary>
    /// <value>At least one second, for example 30 minutes.</value>
    public required TimeSpan Interval { get; init; }

    /// <summary>
    /// Gets the guard: comma-separated limits on how much worse the new version may be than the old, for example
    /// <c>error_rate&lt;=+2pp, cost_per_call&lt;=+20%, p95_latency&lt;=+30%</c>; <c>none</c> for no guard.
    /// </summary>
    /// <value>The default value is <c>error_rate&lt;=+2pp</c>.</value>
    public string Guard { get; init; } = "error_rate<=+2pp";

    /// <summary>Gets the fewest calls each version must have in the environment since the rollout started before the guard decides.</summary>
    /// <value>The default value is 100.</value>
    public int MinimumCalls { get; init; } = 100;

    /// <summary>Returns the plan in the text form stored in the activation log.</summary>
    /// <returns>For example <c>steps=5,25,50,100; interval=30m; guard=error_rate&lt;=+2pp; min-calls=100</c>.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"steps={string.Join(',', Steps)}; interval={RolloutText.Duration(Interval)}; guard={Guard}; min-calls={MinimumCalls}");

    /// <summary>Checks the plan; throws with every problem named.</summary>
    internal void Validate()
    {
        var problems = new List<string>();
        if (Steps is null || Steps.Count == 0)
        {
            problems.Add("it has no steps; use for example --steps 5,25,50,100.");
        }
        else
        {
            if (Steps.Any(s => s is < 1 or > 100))
            {
                problems.Add($"every step is a percentage from 1 to 100 (got {string.Join(',', Steps)}).");
            }

            if (Steps.Zip(Steps.Skip(1)).Any(pair => pair.Second <= pair.First))
            {
                problems.Add($"the steps must increase (got {string.Join(',', Steps)}).");
            }

            if (Steps[^1] != 100)
            {
                problems.Add($"the last step must be 100, so that the rollout ends serving the new version to everyone (got {Steps[^1]}).");
            }
        }

        if (Interval < TimeSpan.FromSeconds(1))
        {
            problems.Add($"the interval between steps must be at least 1s (got {RolloutText.Duration(Interval)}).");
        }

        if (MinimumCalls < 1)
        {
            problems.Add($"the minimum number of calls must be at least 1 (got {MinimumCalls}).");
        }

        if (!RolloutGuard.TryParse(Guard, out _, out var guardError))
        {
            problems.Add(guardError);
        }

        if (problems.Count > 0)
        {
            throw new PromptOpsException("The rollout plan is invalid: " + string.Join(" ", problems));
        }
    }

    /// <summary>Reads the stored text form back.</summary>
    internal static bool TryParse(string text, out PromptRolloutPlan plan, out string error)
    {
        plan = null!;
        var parts = text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("steps", out var stepsText) || !RolloutText.TryParseSteps(stepsText, out var steps, out error))
        {
            error = $"the rollout plan '{text}' has no valid steps.";
            return false;
        }

        if (!parts.TryGetValue("interval", out var intervalText) || !RolloutText.TryParseDuration(intervalText, out var interval))
        {
            error = $"the rollout plan '{text}' has no valid interval.";
            return false;
        }

        var minimum = parts.TryGetValue("min-calls", out var minimumText) && int.TryParse(minimumText, NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 100;
        plan = new PromptRolloutPlan { Steps = steps, Interval = interval, Guard = parts.GetValueOrDefault("guard") ?? "none", MinimumCalls = minimum };
        error = string.Empty;
        return true;
    }
}

/// <summary>The text forms of rollout settings shared by the plan, the CLI and messages: steps and durations.</summary>
internal static class RolloutText
{
    /// <summary>Writes a duration as <c>30m</c>, <c>2h</c>, <c>90s</c> or <c>1h30m</c>.</summary>
    public static string Duration(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            return "0s";
        }

        var text = new StringBuilder();
        if (value.Days > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{value.Days}d");
        }

        if (value.Hours > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{value.Hours}h");
        }

        if (value.Minutes > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{value.Minutes}m");
        }

        if (value.Seconds > 0 || value.Milliseconds > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{value.Seconds + (value.Milliseconds / 1000.0):0.###}s");
        }

        return text.ToString();
    }

    /// <summary>Reads <c>30m</c>, <c>2h</c>, <c>90s</c>, <c>1d</c>, <c>1h30m</c>, or a .NET time span such as <c>00:30:00</c>.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value > TimeSpan.Zero;
        }

        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || i == text.Length || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unit = char.ToLowerInvariant(text[i++]);
            if (unit == 'm' && i < text.Length && char.ToLowerInvariant(text[i]) == 's')
            {
                total += TimeSpan.FromMilliseconds(number);
                i++;
                continue;
            }

            total += unit switch
            {
                'd' => TimeSpan.FromDays(number),
                'h' => TimeSpan.FromHours(number),
                'm' => TimeSpan.FromMinutes(number),
                's' => TimeSpan.FromSeconds(number),
                _ => TimeSpan.MinValue,
            };
            if (total < TimeSpan.Zero)
            {
                return false;
            }
        }

        value = total;
        return total > TimeSpan.Zero;
    }

    /// <summary>Reads <c>5,25,50,100</c>.</summary>
    public static bool TryParseSteps(string? text, out List<int> steps, out string error)
    {
        steps = [];
        error = string.Empty;
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part.TrimEnd('%'), NumberStyles.None, CultureInfo.InvariantCulture, out var step))
            {
                error = $"'{part}' in the steps '{text}' is not a whole percentage; use for example 5,25,50,100.";
                return false;
            }

            steps.Add(step);
        }

        if (steps.Count == 0)
        {
            error = $"the steps '{text}' list no percentage; use for example 5,25,50,100.";
            return false;
        }

        return true;
    }
}
