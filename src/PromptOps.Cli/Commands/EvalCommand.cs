using System.CommandLine;
using PromptOps.Cli.Evaluation;
using PromptOps.Testing;
using static System.FormattableString;

namespace PromptOps.Cli.Commands;

/// <summary>
/// <c>promptops eval &lt;suite.yaml&gt; [--target T]... [--baseline F] [--save-baseline F] [--out F]... [--mode replay|record|replay-or-record|live]</c>:
/// runs an evaluation suite; exit 1 when a target misses its pass rate or a case regressed against the baseline.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var suiteArgument = new Argument<FileInfo>("suite") { Description = "The eval suite YAML file, for example tests/evals/classify-intent.eval.yaml." };
        var targetOption = new Option<string[]>("--target") { Description = "Run these targets instead of the suite's: [name=]id[@version][#label][/model], for example classify-intent@1.1.0/gpt-4o (repeatable).", AllowMultipleArgumentsPerToken = false };
        var baselineOption = new Option<FileInfo?>("--baseline") { Description = "A report saved earlier (--save-baseline); cases that passed there and fail now are regressions (exit 1)." };
        var saveBaselineOption = new Option<FileInfo?>("--save-baseline") { Description = "Save this run's report as a baseline JSON file." };
        var outOption = new Option<FileInfo[]>("--out") { Description = "Write the report to a file: .json, .md or .html (repeatable)." };
        var modeOption = new Option<string>("--mode") { Description = "replay: answer from the cassette only (default, offline); record: call the provider and record; replay-or-record: record what is missing; live: call the provider, no cassette.", DefaultValueFactory = _ => "replay" };
        modeOption.AcceptOnlyFromAmong("replay", "record", "replay-or-record", "live");
        var cassetteOption = new Option<FileInfo?>("--cassette") { Description = "The cassette file (default: the suite's 'cassette')." };
        var directoryOption = new Option<string?>("--dir") { Description = "The prompt library root (default: the suite's 'prompts', else the nearest prompts/ folder above the suite)." };
        var repeatsOption = new Option<int?>("--repeats") { Description = "Runs per case and target (default: the suite's 'repeats')." };
        var parallelismOption = new Option<int?>("--parallelism") { Description = "Runs in flight at once (default: the suite's 'parallelism')." };
        var command = new Command("eval", "Run an evaluation suite against prompt versions and models; compare two targets (A/B) and a baseline. Offline from a cassette by default.")
        {
            suiteArgument,
            targetOption,
            baselineOption,
            saveBaselineOption,
            outOption,
            modeOption,
            cassetteOption,
            directoryOption,
            repeatsOption,
            parallelismOption,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var suiteFile = parseResult.GetValue(suiteArgument)!;
            if (!suiteFile.Exists)
            {
                throw new CliUsageException($"The eval suite '{suiteFile.FullName}' does not exist. Pass the path of a suite YAML file, for example tests/evals/classify-intent.eval.yaml.");
            }

            var outputs = parseResult.GetValue(outOption) ?? [];
            foreach (var file in outputs.Where(f => f.Extension.ToLowerInvariant() is not (".json" or ".md" or ".html")))
            {
                throw new CliUsageException($"--out {file.Name}: the report format comes from the extension; use .json, .md or .html.");
            }

            var repeats = Positive(parseResult.GetValue(repeatsOption), "--repeats");
            var parallelism = Positive(parseResult.GetValue(parallelismOption), "--parallelism");
            var baselineFile = parseResult.GetValue(baselineOption);
            if (baselineFile is { Exists: false })
            {
                throw new CliUsageException($"The baseline '{baselineFile.FullName}' does not exist. Save one first with --save-baseline {baselineFile.Name}.");
            }

            var suite = EvalSuite.Load(suiteFile.FullName);
            suite = WithTargets(suite, parseResult.GetValue(targetOption) ?? []);
            var promptsDirectory = parseResult.GetValue(directoryOption) is { } dir ? PromptOpsCli.RequireDirectory(dir)
                : suite.PromptsDirectory is { } fromSuite && Directory.Exists(fromSuite) ? fromSuite
                : throw new CliUsageException($"The suite names no prompt library that exists{(suite.PromptsDirectory is null ? string.Empty : $" ('{suite.PromptsDirectory}')")}. Set 'prompts:' in the suite or pass --dir.");
            var library = PromptLibrary.LoadDirectory(promptsDirectory);
            if (library.HasErrors)
            {
                foreach (var diagnostic in library.Diagnostics.Where(d => d.IsError))
                {
                    error.WriteLine(diagnostic);
                }

                error.WriteLine("The prompt library has errors; fix them first ('promptops lint' lists them all).");
                return ExitCodes.Failed;
            }

            var mode = parseResult.GetValue(modeOption)!;
            using var client = EvalClients.Create(mode, parseResult.GetValue(cassetteOption)?.FullName ?? suite.CassettePath, suite.FilePath!);
            var targets = EvalTarget.Resolve(suite, library, _ => client.Client);
            error.WriteLine(Invariant($"Running '{suite.Name}': {suite.Cases.Count} case(s) × {repeats ?? suite.Repeats} repeat(s) × {targets.Count} target(s), {client.Description}."));
            var report = await EvalRunner.RunAsync(suite, targets, new EvalRunOptions { JudgeClient = client.Client, Repeats = repeats, Parallelism = parallelism }, cancellationToken).ConfigureAwait(false);

            var baseline = baselineFile is null ? null : report.CompareTo(LoadBaseline(baselineFile));
            EvalConsole.Write(output, report, baseline);
            foreach (var file in outputs)
            {
                file.Directory?.Create();
                File.WriteAllText(file.FullName, file.Extension.ToLowerInvariant() switch
                {
                    ".json" => report.ToJson(),
                    ".md" => EvalReportWriter.ToMarkdown(report, baseline),
                    _ => EvalReportWriter.ToHtml(report, baseline),
                });
                output.WriteLine($"Wrote {file.FullName}");
            }

            if (parseResult.GetValue(saveBaselineOption) is { } save)
            {
                report.Save(save.FullName);
                output.WriteLine($"Saved the baseline {save.FullName}");
            }

            return report.Passed && baseline?.HasRegressions != true ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    private static EvalReport LoadBaseline(FileInfo file)
    {
        try
        {
            return EvalReport.Load(file.FullName);
        }
        catch (InvalidDataException ex)
        {
            throw new CliUsageException(ex.Message);
        }
    }

    private static int? Positive(int? value, string option) =>
        value is < 1 ? throw new CliUsageException($"{option} is {value}; give at least 1.") : value;

    /// <summary>Replaces the suite's targets with the ones given on the command line.</summary>
    private static EvalSuite WithTargets(EvalSuite suite, string[] specs) => specs.Length == 0 ? suite : suite with
    {
        Targets = [.. specs.Select(spec => EvalTargetDefinition.TryParse(spec, out var target)
            ? target
            : throw new CliUsageException($"--target '{spec}' is not a target. Write [name=]id[@version][#label][/model], for example classify-intent@1.1.0 or candidate=classify-intent#staging/gpt-4o-mini."))],
    };
}
