namespace PromptOps.Testing;

/// <summary>
/// An evaluation suite loaded from YAML: which prompt versions and models to run (targets), the cases (inline or from a
/// JSONL/CSV dataset), the assertions that score each reply, and the pass bars.
/// </summary>
/// <remarks>
/// The file format is described in docs/testing-and-evaluation.md. Instances are immutable; use <c>with</c> to run the same
/// cases against other targets.
/// </remarks>
public sealed record EvalSuite
{
    /// <summary>Gets the suite's name (defaults to the file name).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the description, if any.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the full path of the suite file, or <see langword="null"/> for a suite built in code.</summary>
    public string? FilePath { get; init; }

    /// <summary>Gets the prompt library root the targets' prompts come from (full path), or <see langword="null"/> when not set.</summary>
    public string? PromptsDirectory { get; init; }

    /// <summary>Gets the targets to run: each a prompt version (or label) and optionally a model.</summary>
    public required IReadOnlyList<EvalTargetDefinition> Targets { get; init; }

    /// <summary>Gets the cases, in file order.</summary>
    public required IReadOnlyList<EvalCase> Cases { get; init; }

    /// <summary>Gets the assertions applied to every case (each case may add its own).</summary>
    public IReadOnlyList<EvalAssertion> Assertions { get; init; } = [];

    /// <summary>Gets the weighted score (0..1) a run must reach to pass; 1 (the default) means every assertion must pass.</summary>
    public double Threshold { get; init; } = 1.0;

    /// <summary>Gets the share of runs (0..1) that must pass for a target to pass; default 1.</summary>
    public double MinPassRate { get; init; } = 1.0;

    /// <summary>Gets how many times each case runs per target (to measure stability); default 1.</summary>
    public int Repeats { get; init; } = 1;

    /// <summary>Gets how many runs may be in flight at once; default 4.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>Gets the cassette file (full path) replayed by default, or <see langword="null"/>.</summary>
    public string? CassettePath { get; init; }

    /// <summary>
    /// Gets the tools declared to the model on every call (the suite's <c>tools:</c>), so replies can call them; the runner
    /// observes the calls and never executes them.
    /// </summary>
    public IReadOnlyList<Microsoft.Extensions.AI.AITool> Tools { get; init; } = [];

    /// <summary>Gets the judge settings for <c>llm-judge</c> assertions, or <see langword="null"/>.</summary>
    public EvalJudgeDefinition? Judge { get; init; }

    /// <summary>Loads and validates a suite file, with its dataset.</summary>
    /// <param name="path">The suite YAML file.</param>
    /// <returns>The suite.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="EvalSuiteException">The suite or its dataset is invalid; the exception lists every problem with file, line and column.</exception>
    public static EvalSuite Load(string path) => EvalSuiteParser.Load(path);

    /// <summary>Parses a suite from YAML text.</summary>
    /// <param name="yaml">The suite text.</param>
    /// <param name="filePath">The path reported in diagnostics and used to resolve relative paths (dataset, cassette, prompts).</param>
    /// <returns>The suite.</returns>
    /// <exception cref="EvalSuiteException">The suite or its dataset is invalid.</exception>
    public static EvalSuite Parse(string yaml, string filePath) => EvalSuiteParser.Parse(yaml, filePath);
}

/// <summary>One target of a suite: a prompt version (exact, highest published, or served by a label) and optionally a model.</summary>
public sealed class EvalTargetDefinition
{
    /// <summary>Gets the target's name, used in reports and baselines.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the prompt id.</summary>
    public required string PromptId { get; init; }

    /// <summary>Gets the exact version, or <see langword="null"/> for the label's version or the highest published one.</summary>
    public string? PromptVersion { get; init; }

    /// <summary>Gets the environment whose label chooses the version, or <see langword="null"/>.</summary>
    public string? Label { get; init; }

    /// <summary>Gets the model to call instead of the prompt's own, or <see langword="null"/>.</summary>
    public string? Model { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        PromptId + (PromptVersion is null ? string.Empty : "@" + PromptVersion) + (Label is null ? string.Empty : " (label " + Label + ")") + (Model is null ? string.Empty : " on " + Model);

    /// <summary>
    /// Reads a target written as <c>[name=]id[@version][#label][/model]</c> (the <c>--target</c> form); without a name, the
    /// text after any <c>name=</c> is the name.
    /// </summary>
    internal static bool TryParse(string spec, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EvalTargetDefinition? target)
    {
        target = null;
        var equals = spec.IndexOf('=', StringComparison.Ordinal);
        var name = equals > 0 ? spec[..equals] : spec;
        var rest = equals > 0 ? spec[(equals + 1)..] : spec;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var model = slash > 0 ? rest[(slash + 1)..] : null;
        rest = slash > 0 ? rest[..slash] : rest;
        var hash = rest.IndexOf('#', StringComparison.Ordinal);
        var label = hash > 0 ? rest[(hash + 1)..] : null;
        rest = hash > 0 ? rest[..hash] : rest;
        if (!PromptReference.TrySplit(rest, out var id, out var version, out _) || id.Length == 0 || (version is not null && label is not null) || model is { Length: 0 })
        {
            return false;
        }

        target = new EvalTargetDefinition { Name = name, PromptId = id, PromptVersion = version, Label = label, Model = model };
        return true;
    }
}

/// <summary>Settings of the model that grades <c>llm-judge</c> assertions.</summary>
public sealed class EvalJudgeDefinition
{
    /// <summary>Gets the judge model id.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the judge's temperature; default 0.</summary>
    public float Temperature { get; init; }
}

/// <summary>One case: the inputs to render the prompt with, extra values assertions can refer to, and its own assertions.</summary>
public sealed class EvalCase
{
    /// <summary>Gets the case id: its name, or <c>line-N</c> / <c>row-N</c> / <c>case-N</c> when it has none. Baselines match cases by it.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the prompt inputs (suite-wide inputs merged under the case's own).</summary>
    public required IReadOnlyDictionary<string, object?> Inputs { get; init; }

    /// <summary>Gets the values assertions can read with <c>value_from</c> (dataset columns, <c>vars</c>, and the inputs).</summary>
    public required IReadOnlyDictionary<string, object?> Vars { get; init; }

    /// <summary>Gets the case's own assertions, applied after the suite-wide ones.</summary>
    public IReadOnlyList<EvalAssertion> Assertions { get; init; } = [];

    /// <summary>Gets where the case is defined, as <c>file(line,column)</c>.</summary>
    public string? Source { get; init; }
}

/// <summary>The kinds of assertion an eval suite can make about a reply.</summary>
public enum EvalAssertionKind
{
    /// <summary><c>equals</c>: the reply, trimmed, equals the value.</summary>
    Equals,

    /// <summary><c>contains</c>: the reply contains the value (every value, when a list is given).</summary>
    Contains,

    /// <summary><c>not-contains</c>: the reply contains none of the values.</summary>
    NotContains,

    /// <summary><c>contains-any</c>: the reply contains at least one of the values.</summary>
    ContainsAny,

    /// <summary><c>contains-all</c>: the reply contains every one of the values.</summary>
    ContainsAll,

    /// <summary><c>starts-with</c>: the reply, trimmed at the start, starts with the value.</summary>
    StartsWith,

    /// <summary><c>regex</c>: the reply matches the .NET regular expression.</summary>
    Regex,

    /// <summary><c>not-regex</c>: the reply does not match the regular expression.</summary>
    NotRegex,

    /// <summary><c>is-json</c>: the reply is one valid JSON value (a <c>```json</c> fence around it is accepted).</summary>
    IsJson,

    /// <summary><c>json-path</c>: the reply is JSON and the JSONPath selects a value equal to the expected one.</summary>
    JsonPath,

    /// <summary><c>tool-called</c>: the reply calls the tool, with arguments that include the expected ones.</summary>
    ToolCalled,

    /// <summary><c>tool-not-called</c>: the reply does not call the tool (or any tool, when no name is given).</summary>
    ToolNotCalled,

    /// <summary><c>max-tokens</c>: the call used at most this many tokens (total, input or output).</summary>
    MaxTokens,

    /// <summary><c>max-cost</c>: the call cost at most this many US dollars at the price table's rates.</summary>
    MaxCost,

    /// <summary><c>max-latency</c>: the call took at most this many milliseconds (the recorded latency when replayed).</summary>
    MaxLatency,

    /// <summary><c>llm-judge</c>: a judge model scores the reply against a rubric from 0 to 1; passes at <c>min_score</c> or more.</summary>
    LlmJudge,
}

/// <summary>Which tokens a <c>max-tokens</c> assertion counts.</summary>
public enum EvalTokenCount
{
    /// <summary>Input plus output tokens.</summary>
    Total,

    /// <summary>Input tokens only.</summary>
    Input,

    /// <summary>Output tokens only.</summary>
    Output,
}

/// <summary>One assertion about a reply, with its weight in the case's score.</summary>
public sealed class EvalAssertion
{
    /// <summary>Gets the kind of assertion.</summary>
    public required EvalAssertionKind Kind { get; init; }

    /// <summary>Gets the expected values (one for most kinds; several for the contains family). Empty when <see cref="ValueFrom"/> is used.</summary>
    public IReadOnlyList<object?> Values { get; init; } = [];

    /// <summary>Gets the case variable (dataset column) that holds the expected value, or <see langword="null"/>.</summary>
    public string? ValueFrom { get; init; }

    /// <summary>Gets a value indicating whether text comparisons ignore case (the <c>i</c>-prefixed types set it).</summary>
    public bool IgnoreCase { get; init; }

    /// <summary>Gets the JSONPath of a <c>json-path</c> assertion, for example <c>$.intent</c>.</summary>
    public string? Path { get; init; }

    /// <summary>Gets the tool name of <c>tool-called</c> / <c>tool-not-called</c>.</summary>
    public string? ToolName { get; init; }

    /// <summary>Gets the arguments a <c>tool-called</c> assertion expects (a subset of the call's arguments), or <see langword="null"/>.</summary>
    public IReadOnlyDictionary<string, object?>? Arguments { get; init; }

    /// <summary>Gets the limit of <c>max-tokens</c>, <c>max-cost</c> (USD) or <c>max-latency</c> (milliseconds).</summary>
    public double? Limit { get; init; }

    /// <summary>Gets which tokens <c>max-tokens</c> counts.</summary>
    public EvalTokenCount TokenCount { get; init; }

    /// <summary>Gets the rubric an <c>llm-judge</c> grades against.</summary>
    public string? Rubric { get; init; }

    /// <summary>Gets the judge score (0..1) an <c>llm-judge</c> assertion needs; default 0.7.</summary>
    public double MinScore { get; init; } = 0.7;

    /// <summary>Gets the assertion's weight in the case's score; default 1.</summary>
    public double Weight { get; init; } = 1.0;

    /// <summary>Gets the name shown in reports; defaults to a description of the assertion.</summary>
    public required string Label { get; init; }
}
