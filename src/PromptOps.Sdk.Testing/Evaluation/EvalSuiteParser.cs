using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using YamlDotNet.RepresentationModel;

namespace PromptOps.Testing;

/// <summary>Reads an eval suite YAML file (and its dataset) into an <see cref="EvalSuite"/>, collecting every problem before failing.</summary>
internal sealed class EvalSuiteParser
{
    private static readonly string[] s_suiteKeys = ["name", "description", "prompts", "prompt", "label", "model", "targets", "cassette", "threshold", "min_pass_rate", "repeats", "parallelism", "judge", "inputs", "dataset", "cases", "assert", "tools"];
    private static readonly string[] s_toolKeys = ["name", "description", "parameters"];
    private static readonly string[] s_parameterTypes = ["string", "integer", "number", "boolean", "array", "object"];
    private static readonly string[] s_targetKeys = ["name", "prompt", "label", "model"];
    private static readonly string[] s_caseKeys = ["name", "inputs", "vars", "assert"];
    private static readonly string[] s_datasetKeys = ["file", "inputs"];
    private static readonly string[] s_judgeKeys = ["model", "temperature"];
    private static readonly string[] s_assertionKeys = ["type", "value", "value_from", "ignore_case", "path", "name", "arguments", "of", "rubric", "min_score", "weight", "label"];

    private static readonly Dictionary<string, (EvalAssertionKind Kind, bool IgnoreCase)> s_types = new(StringComparer.Ordinal)
    {
        ["equals"] = (EvalAssertionKind.Equals, false),
        ["iequals"] = (EvalAssertionKind.Equals, true),
        ["contains"] = (EvalAssertionKind.Contains, false),
        ["icontains"] = (EvalAssertionKind.Contains, true),
        ["not-contains"] = (EvalAssertionKind.NotContains, false),
        ["not-icontains"] = (EvalAssertionKind.NotContains, true),
        ["contains-any"] = (EvalAssertionKind.ContainsAny, false),
        ["icontains-any"] = (EvalAssertionKind.ContainsAny, true),
        ["contains-all"] = (EvalAssertionKind.ContainsAll, false),
        ["icontains-all"] = (EvalAssertionKind.ContainsAll, true),
        ["starts-with"] = (EvalAssertionKind.StartsWith, false),
        ["istarts-with"] = (EvalAssertionKind.StartsWith, true),
        ["regex"] = (EvalAssertionKind.Regex, false),
        ["not-regex"] = (EvalAssertionKind.NotRegex, false),
        ["is-json"] = (EvalAssertionKind.IsJson, false),
        ["json-path"] = (EvalAssertionKind.JsonPath, false),
        ["tool-called"] = (EvalAssertionKind.ToolCalled, false),
        ["tool-not-called"] = (EvalAssertionKind.ToolNotCalled, false),
        ["max-tokens"] = (EvalAssertionKind.MaxTokens, false),
        ["max-cost"] = (EvalAssertionKind.MaxCost, false),
        ["max-latency"] = (EvalAssertionKind.MaxLatency, false),
        ["llm-judge"] = (EvalAssertionKind.LlmJudge, false),
    };

    /// <summary>The largest suite file read (inline cases included); datasets are read from their own files.</summary>
    private const int MaxFileChars = 16 * 1024 * 1024;

    private readonly List<PromptDiagnostic> _diagnostics = [];
    private readonly string _path;
    private readonly string _directory;
    private readonly YamlFileReader _reader;

    private EvalSuiteParser(string path)
    {
        _path = path;
        _directory = Path.GetDirectoryName(path) ?? Directory.GetCurrentDirectory();
        _reader = new YamlFileReader(path, _diagnostics, EvalDiagnosticCodes.InvalidSetting);
    }

    public static EvalSuite Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        return File.Exists(full)
            ? Parse(File.ReadAllText(full), full)
            : throw new FileNotFoundException($"The eval suite '{full}' does not exist. Pass the path of a suite YAML file, for example tests/evals/classify-intent.eval.yaml.", full);
    }

    public static EvalSuite Parse(string yaml, string filePath)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        var parser = new EvalSuiteParser(Path.GetFullPath(filePath));
        var suite = parser.Read(yaml);
        return suite is not null && !parser._diagnostics.Any(d => d.IsError)
            ? suite
            : throw new EvalSuiteException(parser._path, parser._diagnostics);
    }

    private EvalSuite? Read(string yaml)
    {
        var document = _reader.LoadRoot(yaml, "The suite", MaxFileChars, EvalDiagnosticCodes.InvalidSuiteFile, EvalDiagnosticCodes.InvalidSuiteFile);
        if (_reader.HasErrors)
        {
            return null;
        }

        if (document is not YamlMappingNode root)
        {
            Error(EvalDiagnosticCodes.InvalidSuiteFile, "The suite must be a YAML mapping with at least 'prompt' (or 'targets') and 'cases' (or 'dataset').", 1, 1);
            return null;
        }

        CheckKeys(root, s_suiteKeys, "The suite");
        var judge = ReadJudge(root);
        var assertions = ReadAssertions(Get(root, "assert"), judge is not null);
        var sharedInputs = Get(root, "inputs") switch
        {
            null => new Dictionary<string, object?>(StringComparer.Ordinal),
            YamlMappingNode inputs => (Dictionary<string, object?>)YamlValues.ToClr(inputs)!,
            var other => Wrong(other, "'inputs'", "a mapping of input names and values shared by every case"),
        };

        var cases = new List<EvalCase>();
        if (Get(root, "cases") is { } inlineCases)
        {
            ReadInlineCases(inlineCases, sharedInputs, judge is not null, cases);
        }

        if (Get(root, "dataset") is { } dataset)
        {
            ReadDataset(dataset, sharedInputs, cases);
        }

        if (cases.Count == 0 && !_diagnostics.Any(d => d.IsError))
        {
            Error(EvalDiagnosticCodes.InvalidSetting, "The suite has no cases. Add 'cases:' (a list of inputs and assertions) or 'dataset:' (a .jsonl or .csv file).", 1, 1);
        }

        CheckDuplicates(cases);
        CheckValueFrom(assertions, cases);
        foreach (var evalCase in cases)
        {
            CheckValueFrom(evalCase.Assertions, [evalCase]);
        }

        var name = Text(root, "name") ?? Path.GetFileNameWithoutExtension(_path).Replace(".eval", string.Empty, StringComparison.Ordinal);
        return new EvalSuite
        {
            Name = name,
            Description = Text(root, "description"),
            FilePath = _path,
            PromptsDirectory = Text(root, "prompts") is { } prompts ? Path.GetFullPath(Path.Combine(_directory, prompts)) : FindPromptsUpwards(),
            Targets = ReadTargets(root),
            Cases = cases,
            Assertions = assertions,
            Threshold = Number(root, "threshold", 0, 1) ?? 1.0,
            MinPassRate = Number(root, "min_pass_rate", 0, 1) ?? 1.0,
            Repeats = (int)(Number(root, "repeats", 1, 1000) ?? 1),
            Parallelism = (int)(Number(root, "parallelism", 1, 256) ?? 4),
            CassettePath = Text(root, "cassette") is { } cassette ? Path.GetFullPath(Path.Combine(_directory, cassette)) : null,
            Judge = judge,
            Tools = ReadTools(Get(root, "tools")),
        };
    }

    private List<AITool> ReadTools(YamlNode? node)
    {
        var tools = new List<AITool>();
        if (node is null)
        {
            return tools;
        }

        if (node is not YamlSequenceNode list)
        {
            Wrong(node, "'tools'", "a list of tools, each with 'name', 'description' and 'parameters' (argument name: type)");
            return tools;
        }

        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode tool || Text(tool, "name") is not { } name)
            {
                Wrong(item, "Each tool", "a mapping with at least 'name'");
                continue;
            }

            CheckKeys(tool, s_toolKeys, $"The tool '{name}'");
            var schema = new JsonObject { ["type"] = "object" };
            var properties = new JsonObject();
            var required = new JsonArray();
            switch (Get(tool, "parameters"))
            {
                case null:
                    break;
                case YamlMappingNode parameters:
                    foreach (var (keyNode, value) in parameters.Children)
                    {
                        if (keyNode is not YamlScalarNode { Value: { } key })
                        {
                            Wrong(keyNode, $"A parameter name of the tool '{name}'", "a plain argument name");
                            continue;
                        }

                        var type = (value as YamlScalarNode)?.Value ?? string.Empty;
                        if (!s_parameterTypes.Contains(type))
                        {
                            Error(EvalDiagnosticCodes.InvalidSetting, $"The tool '{name}' parameter '{key}' has the type '{type}'. Use one of: {string.Join(", ", s_parameterTypes)}.", value);
                            continue;
                        }

                        properties[key] = new JsonObject { ["type"] = type };
                        required.Add(key);
                    }

                    break;
                case var other:
                    Wrong(other, $"The tool '{name}' 'parameters'", "a mapping of argument names to JSON types");
                    break;
            }

            schema["properties"] = properties;
            schema["required"] = required;
            tools.Add(AIFunctionFactory.CreateDeclaration(name, Text(tool, "description"), JsonSerializer.SerializeToElement(schema, JsonValueText.Options)));
        }

        return tools;
    }

    private string? FindPromptsUpwards()
    {
        for (var directory = new DirectoryInfo(_directory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "prompts");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private List<EvalTargetDefinition> ReadTargets(YamlMappingNode root)
    {
        var defaultPrompt = Get(root, "prompt") as YamlScalarNode;
        var defaultLabel = Text(root, "label");
        var defaultModel = Text(root, "model");
        var targets = new List<EvalTargetDefinition>();
        switch (Get(root, "targets"))
        {
            case null:
                if (defaultPrompt is null)
                {
                    Error(EvalDiagnosticCodes.InvalidSetting, "The suite names no prompt. Add 'prompt: <id>' or 'prompt: <id>@<version>', or a 'targets:' list.", 1, 1);
                }
                else if (Target(null, defaultPrompt, defaultLabel, defaultModel) is { } only)
                {
                    targets.Add(only);
                }

                break;
            case YamlSequenceNode list:
                foreach (var item in list.Children)
                {
                    if (item is not YamlMappingNode target)
                    {
                        Wrong(item, "Each target", "a mapping with 'name', 'prompt' and optionally 'label' and 'model'");
                        continue;
                    }

                    CheckKeys(target, s_targetKeys, "A target");
                    var prompt = Get(target, "prompt") as YamlScalarNode ?? defaultPrompt;
                    if (prompt is null)
                    {
                        Error(EvalDiagnosticCodes.InvalidSetting, "The target names no prompt. Add 'prompt: <id>@<version>' to it, or a suite-wide 'prompt:'.", target);
                        continue;
                    }

                    if (Target(Text(target, "name"), prompt, Text(target, "label") ?? defaultLabel, Text(target, "model") ?? defaultModel) is { } parsed)
                    {
                        targets.Add(parsed);
                    }
                }

                if (list.Children.Count == 0)
                {
                    Error(EvalDiagnosticCodes.InvalidSetting, "'targets' is empty. List at least one target, or remove it and set 'prompt:'.", list);
                }

                break;
            case var other:
                Wrong(other, "'targets'", "a list of targets");
                break;
        }

        foreach (var duplicate in targets.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            Error(EvalDiagnosticCodes.DuplicateName, $"Two targets are named '{duplicate.Key}'. Give each target its own 'name:'; reports and baselines tell them apart by it.", 1, 1);
        }

        return targets;
    }

    private EvalTargetDefinition? Target(string? name, YamlScalarNode prompt, string? label, string? model)
    {
        var reference = prompt.Value ?? string.Empty;
        if (!PromptReference.TrySplit(reference, out var id, out var version, out _) || id.Length == 0)
        {
            Error(EvalDiagnosticCodes.InvalidSetting, $"'{reference}' is not a prompt reference. Write <id> or <id>@<major.minor.patch>, for example classify-intent@1.1.0.", prompt);
            return null;
        }

        if (version is not null && label is not null)
        {
            Error(EvalDiagnosticCodes.InvalidSetting, $"The target '{reference}' asks for an exact version and the label '{label}'. Keep one of them.", prompt);
            return null;
        }

        return new EvalTargetDefinition { Name = name ?? reference + (label is null ? string.Empty : "#" + label) + (model is null ? string.Empty : "/" + model), PromptId = id, PromptVersion = version, Label = label, Model = model };
    }

    private EvalJudgeDefinition? ReadJudge(YamlMappingNode root)
    {
        switch (Get(root, "judge"))
        {
            case null:
                return null;
            case YamlMappingNode judge:
                CheckKeys(judge, s_judgeKeys, "'judge'");
                var model = Text(judge, "model");
                if (model is null)
                {
                    Error(EvalDiagnosticCodes.InvalidSetting, "'judge' needs 'model': the model that grades llm-judge assertions, for example gpt-4o-mini.", judge);
                    return null;
                }

                return new EvalJudgeDefinition { Model = model, Temperature = (float)(Number(judge, "temperature", 0, 2) ?? 0) };
            case var other:
                Wrong(other, "'judge'", "a mapping with 'model'");
                return null;
        }
    }

    private void ReadInlineCases(YamlNode node, Dictionary<string, object?> sharedInputs, bool hasJudge, List<EvalCase> cases)
    {
        if (node is not YamlSequenceNode list)
        {
            Wrong(node, "'cases'", "a list of cases, each with 'inputs' and optionally 'name', 'vars' and 'assert'");
            return;
        }

        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode entry)
            {
                Wrong(item, "Each case", "a mapping with 'inputs' and optionally 'name', 'vars' and 'assert'");
                continue;
            }

            CheckKeys(entry, s_caseKeys, "A case");
            var inputs = new Dictionary<string, object?>(sharedInputs, StringComparer.Ordinal);
            MergeMapping(entry, "inputs", inputs);
            var vars = new Dictionary<string, object?>(inputs, StringComparer.Ordinal);
            MergeMapping(entry, "vars", vars);
            cases.Add(new EvalCase
            {
                Id = Text(entry, "name") ?? string.Create(CultureInfo.InvariantCulture, $"case-{cases.Count + 1}"),
                Inputs = inputs,
                Vars = vars,
                Assertions = ReadAssertions(Get(entry, "assert"), hasJudge),
                Source = Where(entry),
            });
        }
    }

    private void MergeMapping(YamlMappingNode entry, string key, Dictionary<string, object?> into)
    {
        switch (Get(entry, key))
        {
            case null:
                break;
            case YamlMappingNode values:
                foreach (var (name, value) in (Dictionary<string, object?>)YamlValues.ToClr(values)!)
                {
                    into[name] = value;
                }

                break;
            case var other:
                Wrong(other, $"'{key}'", "a mapping of names and values");
                break;
        }
    }

    private void ReadDataset(YamlNode node, Dictionary<string, object?> sharedInputs, List<EvalCase> cases)
    {
        YamlScalarNode? file;
        IReadOnlyList<string>? inputColumns = null;
        YamlNode? inputColumnsNode = null;
        switch (node)
        {
            case YamlScalarNode scalar:
                file = scalar;
                break;
            case YamlMappingNode mapping:
                CheckKeys(mapping, s_datasetKeys, "'dataset'");
                file = Get(mapping, "file") as YamlScalarNode;
                inputColumnsNode = Get(mapping, "inputs");
                if (inputColumnsNode is YamlSequenceNode columns)
                {
                    inputColumns = [.. columns.Children.OfType<YamlScalarNode>().Select(c => c.Value ?? string.Empty)];
                }
                else if (inputColumnsNode is not null)
                {
                    Wrong(inputColumnsNode, "'dataset.inputs'", "a list of the CSV columns that are prompt inputs");
                }

                if (file is null)
                {
                    Error(EvalDiagnosticCodes.InvalidSetting, "'dataset' needs 'file': a .jsonl or .csv file, relative to the suite.", mapping);
                    return;
                }

                break;
            default:
                Wrong(node, "'dataset'", "a file path or a mapping with 'file' and 'inputs'");
                return;
        }

        var path = Path.GetFullPath(Path.Combine(_directory, file.Value ?? string.Empty));
        if (!File.Exists(path))
        {
            Error(EvalDiagnosticCodes.DatasetNotFound, $"The dataset '{file.Value}' does not exist (resolved to '{path}'). Paths are relative to the suite file.", file);
            return;
        }

        var reader = new EvalDatasetReader(path, sharedInputs, _diagnostics);
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".jsonl":
                if (inputColumns is not null)
                {
                    Error(EvalDiagnosticCodes.InvalidSetting, "'dataset.inputs' applies to CSV files; in JSONL put the inputs of each line under \"inputs\".", inputColumnsNode!);
                }

                reader.ReadJsonLines(cases);
                break;
            case ".csv":
                reader.ReadCsv(inputColumns, cases);
                break;
            default:
                Error(EvalDiagnosticCodes.DatasetNotFound, $"The dataset '{file.Value}' is neither .jsonl nor .csv. Use JSON Lines (one object per line) or CSV with a header row.", file);
                break;
        }
    }

    private List<EvalAssertion> ReadAssertions(YamlNode? node, bool hasJudge)
    {
        var assertions = new List<EvalAssertion>();
        switch (node)
        {
            case null:
                return assertions;
            case YamlSequenceNode list:
                foreach (var item in list.Children)
                {
                    if (item is YamlMappingNode mapping)
                    {
                        if (ReadAssertion(mapping, hasJudge) is { } assertion)
                        {
                            assertions.Add(assertion);
                        }
                    }
                    else
                    {
                        Wrong(item, "Each assertion", "a mapping with 'type' and its settings, for example { type: contains, value: refund }");
                    }
                }

                return assertions;
            default:
                Wrong(node, "'assert'", "a list of assertions");
                return assertions;
        }
    }

    private EvalAssertion? ReadAssertion(YamlMappingNode node, bool hasJudge)
    {
        CheckKeys(node, s_assertionKeys, "An assertion");
        var typeNode = Get(node, "type") as YamlScalarNode;
        var type = typeNode?.Value ?? string.Empty;
        if (!s_types.TryGetValue(type, out var kind))
        {
            var nearest = KeySuggester.Nearest(type, s_types.Keys);
            Error(EvalDiagnosticCodes.UnknownAssertion, typeNode is null
                ? $"The assertion has no 'type'. Known types: {string.Join(", ", s_types.Keys)}."
                : $"'{type}' is not an assertion type." + (nearest is null ? $" Known types: {string.Join(", ", s_types.Keys)}." : $" Did you mean '{nearest}'?"), (YamlNode?)typeNode ?? node);
            return null;
        }

        var valueNode = Get(node, "value");
        var values = valueNode switch
        {
            null => [],
            YamlSequenceNode list => list.Children.Select(YamlValues.ToClr).ToList(),
            var single => [YamlValues.ToClr(single)],
        };
        var valueFrom = Text(node, "value_from");
        var weight = Number(node, "weight", 0, double.MaxValue) ?? 1.0;
        if (weight <= 0)
        {
            Error(EvalDiagnosticCodes.InvalidAssertion, "'weight' must be greater than 0. Remove the assertion instead of weighting it 0.", Get(node, "weight")!);
        }

        var ignoreCase = kind.IgnoreCase || (Text(node, "ignore_case") is { } flag && bool.TryParse(flag, out var set) && set);
        var assertion = new EvalAssertion
        {
            Kind = kind.Kind,
            Values = values,
            ValueFrom = valueFrom,
            IgnoreCase = ignoreCase,
            Path = Text(node, "path"),
            ToolName = Text(node, "name"),
            Arguments = Get(node, "arguments") is YamlMappingNode arguments ? (Dictionary<string, object?>)YamlValues.ToClr(arguments)! : null,
            Limit = kind.Kind is EvalAssertionKind.MaxTokens or EvalAssertionKind.MaxCost or EvalAssertionKind.MaxLatency ? Number(node, "value", 0, double.MaxValue) : null,
            TokenCount = Text(node, "of") switch
            {
                null or "total" => EvalTokenCount.Total,
                "input" => EvalTokenCount.Input,
                "output" => EvalTokenCount.Output,
                var other => Invalid(node, $"'of: {other}' is not a token count. Use total, input or output.", EvalTokenCount.Total),
            },
            Rubric = Text(node, "rubric"),
            MinScore = Number(node, "min_score", 0, 1) ?? 0.7,
            Weight = weight,
            Label = Text(node, "label") ?? Describe(type, node),
        };

        return Check(assertion, type, node, valueNode, hasJudge) ? assertion : null;
    }

    private bool Check(EvalAssertion assertion, string type, YamlMappingNode node, YamlNode? valueNode, bool hasJudge)
    {
        var before = _diagnostics.Count;
        var hasValue = valueNode is not null || assertion.ValueFrom is not null;
        if (valueNode is not null && assertion.ValueFrom is not null)
        {
            Error(EvalDiagnosticCodes.InvalidAssertion, $"The {type} assertion has both 'value' and 'value_from'. Keep one: a literal, or the case column to read it from.", node);
        }

        switch (assertion.Kind)
        {
            case EvalAssertionKind.Equals or EvalAssertionKind.StartsWith or EvalAssertionKind.Contains or EvalAssertionKind.NotContains
                or EvalAssertionKind.ContainsAny or EvalAssertionKind.ContainsAll or EvalAssertionKind.Regex or EvalAssertionKind.NotRegex:
                if (!hasValue)
                {
                    Error(EvalDiagnosticCodes.InvalidAssertion, $"The {type} assertion needs 'value' (or 'value_from: <column>').", node);
                }
                else if (assertion.Kind is EvalAssertionKind.Equals or EvalAssertionKind.StartsWith or EvalAssertionKind.Regex or EvalAssertionKind.NotRegex && valueNode is YamlSequenceNode)
                {
                    Error(EvalDiagnosticCodes.InvalidAssertion, $"The {type} assertion takes one value, not a list. Use contains-any / contains-all for lists.", valueNode);
                }

                if (assertion.Kind is EvalAssertionKind.Regex or EvalAssertionKind.NotRegex && assertion.Values.Count == 1)
                {
                    CheckRegex(JsonValues.ToText(assertion.Values[0]), valueNode!);
                }

                break;
            case EvalAssertionKind.JsonPath:
                if (assertion.Path is null)
                {
                    Error(EvalDiagnosticCodes.InvalidAssertion, "The json-path assertion needs 'path', for example path: $.intent.", node);
                }

                break;
            case EvalAssertionKind.ToolCalled:
                if (assertion.ToolName is null)
                {
                    Error(EvalDiagnosticCodes.InvalidAssertion, "The tool-called assertion needs 'name': the tool the reply must call.", node);
                }

                break;
            case EvalAssertionKind.MaxTokens or EvalAssertionKind.MaxCost or EvalAssertionKind.MaxLatency:
                if (assertion.Limit is null)
                {
                    Error(EvalDiagnosticCodes.InvalidAssertion, $"The {type} assertion needs 'value': the limit ({(assertion.Kind == EvalAssertionKind.MaxCost ? "US dollars" : assertion.Kind == EvalAssertionKind.MaxLatency ? "milliseconds" : "tokens")}).", node);
                }

                break;
            case EvalAssertionKind.LlmJudge:
                if (assertion.Rubric is null)
                {
                    Error(EvalDiagnosticCodes.InvalidAssertion, "The llm-judge assertion needs 'rubric': what a good reply does, in a sentence or a list.", node);
                }

                if (!hasJudge)
                {
                    Error(EvalDiagnosticCodes.JudgeNotConfigured, "An llm-judge assertion needs a judge model. Add 'judge: { model: <model id> }' to the suite.", node);
                }

                break;
        }

        return _diagnostics.Count == before;
    }

    private void CheckRegex(string pattern, YamlNode node)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            Error(EvalDiagnosticCodes.InvalidRegex, $"The regular expression '{pattern}' does not compile: {ex.Message}", node);
        }
    }

    private static string Describe(string type, YamlMappingNode node)
    {
        var detail = Get(node, "path") is YamlScalarNode path ? path.Value
            : Get(node, "name") is YamlScalarNode name ? name.Value
            : Get(node, "value_from") is YamlScalarNode from ? "value_from " + from.Value
            : Get(node, "value") is YamlScalarNode value ? value.Value
            : Get(node, "value") is YamlSequenceNode values ? string.Join(", ", values.Children.OfType<YamlScalarNode>().Select(v => v.Value))
            : Get(node, "rubric") is YamlScalarNode rubric ? rubric.Value
            : null;
        if (detail is not null && detail.Length > 40)
        {
            detail = detail[..37] + "...";
        }

        return detail is null ? type : $"{type} {detail.ReplaceLineEndings(" ")}";
    }

    private void CheckDuplicates(List<EvalCase> cases)
    {
        foreach (var duplicate in cases.GroupBy(c => c.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            Error(EvalDiagnosticCodes.DuplicateName, $"{duplicate.Count()} cases are named '{duplicate.Key}' ({string.Join(", ", duplicate.Select(c => c.Source))}). Give each case its own name; baselines match cases by it.", 1, 1);
        }
    }

    private void CheckValueFrom(IReadOnlyList<EvalAssertion> assertions, IReadOnlyList<EvalCase> cases)
    {
        foreach (var column in assertions.Select(a => a.ValueFrom).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            foreach (var evalCase in cases.Where(c => !c.Vars.ContainsKey(column)).Take(3))
            {
                _diagnostics.Add(new PromptDiagnostic(EvalDiagnosticCodes.MissingColumn, PromptDiagnosticSeverity.Error,
                    $"An assertion reads 'value_from: {column}', but case '{evalCase.Id}' ({evalCase.Source}) has no '{column}'. Its columns are: {string.Join(", ", evalCase.Vars.Keys.Order(StringComparer.Ordinal))}. Add the column, or fix the name.", _path));
            }
        }
    }

    private void CheckKeys(YamlMappingNode mapping, string[] known, string subject) =>
        _reader.RejectUnknownKeys(mapping, known, subject, EvalDiagnosticCodes.InvalidSetting);

    private static YamlNode? Get(YamlMappingNode mapping, string key) => YamlFileReader.Get(mapping, key);

    private string? Text(YamlMappingNode mapping, string key)
    {
        switch (Get(mapping, key))
        {
            case null:
                return null;
            case YamlScalarNode { Value: { Length: > 0 } value }:
                return value;
            case var other:
                Wrong(other, $"'{key}'", "a non-empty text value");
                return null;
        }
    }

    private double? Number(YamlMappingNode mapping, string key, double min, double max)
    {
        if (Get(mapping, key) is not { } node)
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text } && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }

        Error(EvalDiagnosticCodes.InvalidSetting, max == double.MaxValue
            ? $"'{key}' must be a number of at least {min.ToString(CultureInfo.InvariantCulture)}."
            : $"'{key}' must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.", node);
        return null;
    }

    private T Invalid<T>(YamlNode node, string message, T fallback)
    {
        Error(EvalDiagnosticCodes.InvalidAssertion, message, node);
        return fallback;
    }

    private Dictionary<string, object?> Wrong(YamlNode node, string subject, string expected)
    {
        Error(EvalDiagnosticCodes.InvalidSetting, $"{subject} must be {expected}.", node);
        return new Dictionary<string, object?>(StringComparer.Ordinal);
    }

    private string Where(YamlNode node) => _reader.Where(node);

    private void Error(string code, string message, YamlNode node) => _reader.Error(node, message, code);

    private void Error(string code, string message, int line, int column) => _reader.Error(line, column, message, code);
}
