using Microsoft.Extensions.AI;

namespace PromptOps.Testing;

/// <summary>One target to run a suite against: a prompt version, the client that answers it, and optionally a model override.</summary>
public sealed class EvalTarget
{
    /// <summary>Initializes a new instance of the <see cref="EvalTarget"/> class.</summary>
    /// <param name="name">The name shown in reports and used by baselines.</param>
    /// <param name="prompt">The prompt version to render.</param>
    /// <param name="client">The client to call: a <see cref="CassetteChatClient"/>, a <see cref="FakeChatClient"/>, or a real provider.</param>
    /// <param name="model">The model to ask for instead of the prompt's own, or <see langword="null"/>.</param>
    public EvalTarget(string name, PromptTemplate prompt, IChatClient client, string? model = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(client);
        Name = name;
        Prompt = prompt;
        Client = client;
        Model = model;
    }

    /// <summary>Gets the target's name.</summary>
    public string Name { get; }

    /// <summary>Gets the prompt version to render.</summary>
    public PromptTemplate Prompt { get; }

    /// <summary>Gets the client to call.</summary>
    public IChatClient Client { get; }

    /// <summary>Gets the model override, or <see langword="null"/> to use the prompt's model.</summary>
    public string? Model { get; }

    /// <summary>
    /// Resolves a suite's target definitions against a prompt library: exact versions, label-served versions (as the catalog
    /// would serve them to an anonymous user) and highest published versions.
    /// </summary>
    /// <param name="suite">The suite.</param>
    /// <param name="library">The library its prompts come from.</param>
    /// <param name="clientFor">Gives the client for each target (for example one cassette client shared by all).</param>
    /// <returns>The targets, in suite order.</returns>
    /// <exception cref="EvalSuiteException">A target names a prompt or version the library lacks (PO4008); the message lists what exists.</exception>
    public static IReadOnlyList<EvalTarget> Resolve(EvalSuite suite, PromptLibrary library, Func<EvalTargetDefinition, IChatClient> clientFor)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(clientFor);
        var targets = new List<EvalTarget>();
        var problems = new List<PromptDiagnostic>();
        foreach (var definition in suite.Targets)
        {
            var prompt = definition.PromptVersion is not null ? library.FindVersion(definition.PromptId, definition.PromptVersion)
                : definition.Label is not null ? ServedVersions.Build(library, new PromptOpsOptions { Environment = definition.Label }, null, []).Find(definition.PromptId, null)
                : library.FindDefault(definition.PromptId, allowDrafts: false);
            if (prompt is null)
            {
                var why = definition.Label is not null && library.GetVersions(definition.PromptId).Count > 0
                    ? $"The label '{definition.Label}' serves no version of '{definition.PromptId}'. Add it to labels.yaml or name an exact version."
                    : PromptNotFoundException.For(library, definition.PromptId, definition.PromptVersion).Message;
                problems.Add(new PromptDiagnostic(EvalDiagnosticCodes.PromptNotFound, PromptDiagnosticSeverity.Error, $"Target '{definition.Name}': {why}", suite.FilePath));
                continue;
            }

            targets.Add(new EvalTarget(definition.Name, prompt, clientFor(definition), definition.Model));
        }

        return problems.Count == 0 ? targets : throw new EvalSuiteException(suite.FilePath ?? suite.Name, problems);
    }
}

/// <summary>Settings of an eval run that are not part of the suite file.</summary>
public sealed class EvalRunOptions
{
    /// <summary>Gets or sets how many runs may be in flight at once; the suite's <c>parallelism</c> when <see langword="null"/>.</summary>
    public int? Parallelism { get; set; }

    /// <summary>Gets or sets how many times each case runs per target; the suite's <c>repeats</c> when <see langword="null"/>.</summary>
    public int? Repeats { get; set; }

    /// <summary>Gets or sets the client that answers <c>llm-judge</c> assertions (the judge model is the suite's <c>judge.model</c>).</summary>
    public IChatClient? JudgeClient { get; set; }

    /// <summary>Gets or sets the prices used for cost totals and <c>max-cost</c>; <see cref="ModelPriceTable.Default"/> when <see langword="null"/>.</summary>
    public ModelPriceTable? Prices { get; set; }

    /// <summary>Gets or sets the clock for latencies and the report's start time; <see cref="TimeProvider.System"/> when <see langword="null"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }
}

/// <summary>Runs an eval suite against targets and scores every reply.</summary>
/// <remarks>
/// Each case is rendered with the target's prompt version and sent once per repeat; the reply is scored by the suite-wide
/// assertions, then the case's own. The model's first reply is what is scored: tool calls are observed, never executed.
/// Runs go out in parallel up to the configured limit; results come back in suite order whatever the completion order.
/// A failing render, call or judge marks that run errored and the run goes on.
/// </remarks>
public static class EvalRunner
{
    /// <summary>Runs <paramref name="suite"/> against <paramref name="targets"/>.</summary>
    /// <param name="suite">The suite.</param>
    /// <param name="targets">The targets; with exactly two, the report compares the second against the first.</param>
    /// <param name="options">Run settings, or <see langword="null"/> for the suite's.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The report.</returns>
    public static async Task<EvalReport> RunAsync(EvalSuite suite, IReadOnlyList<EvalTarget> targets, EvalRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0)
        {
            throw new ArgumentException("Give at least one target to run the suite against.", nameof(targets));
        }

        options ??= new EvalRunOptions();
        var time = options.TimeProvider ?? TimeProvider.System;
        var prices = options.Prices ?? ModelPriceTable.Default;
        var repeats = options.Repeats ?? suite.Repeats;
        var judge = suite.Judge is not null && options.JudgeClient is not null ? new LlmJudge(options.JudgeClient, suite.Judge) : null;
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();

        var work = (from t in Enumerable.Range(0, targets.Count)
                    from c in Enumerable.Range(0, suite.Cases.Count)
                    from r in Enumerable.Range(1, repeats)
                    select (Target: t, Case: c, Repeat: r)).ToArray();
        var results = new EvalRunResult[work.Length];
        await Parallel.ForAsync(0, work.Length, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism ?? suite.Parallelism, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var (t, c, r) = work[i];
            results[i] = await RunOneAsync(suite, targets[t], suite.Cases[c], r, judge, prices, time, token).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var reports = new List<EvalTargetReport>();
        var perTarget = suite.Cases.Count * repeats;
        for (var t = 0; t < targets.Count; t++)
        {
            var cases = new List<EvalCaseResult>();
            for (var c = 0; c < suite.Cases.Count; c++)
            {
                cases.Add(new EvalCaseResult { CaseId = suite.Cases[c].Id, Runs = results.AsSpan((t * perTarget) + (c * repeats), repeats).ToArray() });
            }

            reports.Add(Summarise(targets[t], suite, cases));
        }

        return new EvalReport
        {
            Suite = suite.Name,
            StartedAt = startedAt,
            DurationMs = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1),
            Threshold = suite.Threshold,
            MinPassRate = suite.MinPassRate,
            Repeats = repeats,
            Targets = reports,
            Comparison = reports.Count == 2 ? EvalComparison.Create(reports[0], reports[1]) : null,
        };
    }

    private static async Task<EvalRunResult> RunOneAsync(EvalSuite suite, EvalTarget target, EvalCase evalCase, int repeat, LlmJudge? judge, ModelPriceTable prices, TimeProvider time, CancellationToken cancellationToken)
    {
        RenderedPrompt rendered;
        try
        {
            rendered = target.Prompt.Render(evalCase.Inputs);
        }
        catch (PromptRenderException ex)
        {
            return Errored(repeat, $"case '{evalCase.Id}' ({evalCase.Source}) does not render with {target.Prompt}: {ex.Message}");
        }

        if (target.Model is not null)
        {
            rendered.Options.ModelId = target.Model;
        }

        if (suite.Tools.Count > 0)
        {
            rendered.Options.Tools = [.. rendered.Options.Tools ?? [], .. suite.Tools];
        }

        var model = rendered.Options.ModelId;
        ChatResponse response;
        var started = time.GetTimestamp();
        try
        {
            response = await target.Client.GetResponseAsync(rendered.Messages, rendered.Options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Errored(repeat, ex is PromptOpsException ? ex.Message : $"the call failed with {ex.GetType().Name}: {ex.Message}");
        }

        var latency = response.AdditionalProperties?.TryGetValue(CassetteChatClient.RecordedLatencyKey, out var recorded) == true && recorded is double ms
            ? ms
            : Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1);
        var (input, output) = Tokens(response, rendered, model);
        var pricedModel = model ?? response.ModelId;
        decimal? cost = pricedModel is not null && prices.TryFind(pricedModel, null, out var price)
            ? CostCalculator.Calculate(price.Price, new TokenUsage(input, output, response.Usage?.CachedInputTokenCount ?? 0, 0, response.Usage?.ReasoningTokenCount ?? 0)).Total
            : null;

        var observed = new EvalObservation(response.Text, response, input, output, cost, model, latency, evalCase);
        var verdicts = new List<EvalAssertionResult>();
        foreach (var assertion in suite.Assertions.Concat(evalCase.Assertions))
        {
            verdicts.Add(await EvalAssertionEvaluator.EvaluateAsync(assertion, observed, judge, cancellationToken).ConfigureAwait(false));
        }

        var totalWeight = verdicts.Sum(v => v.Weight);
        var score = totalWeight == 0 ? 1 : verdicts.Where(v => v.Passed).Sum(v => v.Weight) / totalWeight;
        var errored = verdicts.Any(v => v.Errored);
        return new EvalRunResult
        {
            Repeat = repeat,
            Outcome = errored ? EvalOutcome.Errored : score >= suite.Threshold - 1e-9 ? EvalOutcome.Passed : EvalOutcome.Failed,
            Score = errored ? 0 : Math.Round(score, 4),
            Output = response.Text,
            ToolCalls = [.. EvalAssertionEvaluator.Calls(response).Select(EvalAssertionEvaluator.Describe)],
            Error = errored ? string.Join("; ", verdicts.Where(v => v.Errored).Select(v => $"{v.Label}: {v.Reason}")) : null,
            InputTokens = input,
            OutputTokens = output,
            CostUsd = cost,
            LatencyMs = latency,
            Assertions = verdicts,
        };
    }

    private static (long Input, long Output) Tokens(ChatResponse response, RenderedPrompt rendered, string? model)
    {
        if (response.Usage is { InputTokenCount: { } input, OutputTokenCount: { } output })
        {
            return (input, output);
        }

        var counter = TiktokenTokenCounter.Shared;
        return (response.Usage?.InputTokenCount ?? counter.EstimateInputTokens(rendered.Messages, rendered.Options, model),
                response.Usage?.OutputTokenCount ?? counter.CountTokens(response.Text, model));
    }

    private static EvalRunResult Errored(int repeat, string error) => new() { Repeat = repeat, Outcome = EvalOutcome.Errored, Score = 0, Error = error };

    private static EvalTargetReport Summarise(EvalTarget target, EvalSuite suite, List<EvalCaseResult> cases)
    {
        var runs = cases.SelectMany(c => c.Runs).ToList();
        var passed = runs.Count(r => r.Outcome == EvalOutcome.Passed);
        return new EvalTargetReport
        {
            Name = target.Name,
            Prompt = target.Prompt.Reference.ToString(),
            Model = target.Model ?? target.Prompt.Definition.Model?.ModelId,
            MeetsPassRate = runs.Count > 0 && (double)passed / runs.Count >= suite.MinPassRate - 1e-9,
            Cases = cases,
        };
    }
}
