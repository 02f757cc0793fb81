using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Catalog;

/// <summary>
/// No file, however malformed, deep or large, may crash or hang the loader: every failure is a diagnostic with a
/// position. A stack overflow cannot be caught, so a regression here ends the test run instead of failing a test.
/// </summary>
public sealed class MalformedLibraryTests
{
    private const int MutationsPerFile = 200;

    public static TheoryData<int> HostileTexts() => [.. Enumerable.Range(0, PromptFileMutator.KnownHostileTexts.Count)];

    [Theory]
    [MemberData(nameof(HostileTexts))]
    public void LoadDirectory_HostilePromptFile_IsAnErrorWithAPosition(int index)
    {
        using var dir = new TempPromptLibrary().With("hostile/1.0.0.yaml", PromptFileMutator.KnownHostileTexts[index]);

        var library = dir.Load();

        var errors = library.Diagnostics.Where(d => d.IsError).ToList();
        Assert.NotEmpty(errors);
        Assert.All(errors, error => Assert.True(error.FilePath!.EndsWith("hostile/1.0.0.yaml", StringComparison.Ordinal) && error.Line >= 1 && error.Column >= 1, error.ToString()));
        Assert.Empty(library.Prompts);
    }

    [Theory]
    [MemberData(nameof(HostileTexts))]
    public void LoadDirectory_HostileLabelsFile_IsAnErrorAndThePromptsStillLoad(int index)
    {
        using var dir = new TempPromptLibrary()
            .With("greeting/1.0.0.yaml", TempPromptLibrary.ValidPrompt(status: "draft"))
            .With("labels.yaml", PromptFileMutator.KnownHostileTexts[index]);

        var library = dir.Load();

        Assert.Contains(library.Diagnostics, d => d.IsError && d.FilePath!.EndsWith("labels.yaml", StringComparison.Ordinal) && d.Line >= 1);
        Assert.Single(library.Prompts);
    }

    [Theory]
    [MemberData(nameof(HostileTexts))]
    public void SkillsFileParse_HostileText_IsAnErrorWithAPosition(int index)
    {
        var diagnostics = new List<PromptDiagnostic>();

        var skills = SkillsFileParser.Parse(PromptFileMutator.KnownHostileTexts[index], "skills.yaml", diagnostics);

        Assert.Empty(skills);
        Assert.Contains(diagnostics, d => d.IsError && d.Line >= 1);
    }

    [Fact]
    public void Load_MutationsOfEverySampleLibraryFile_NeverThrowAndRejectOnlyWithDiagnostics()
    {
        var originals = Directory.EnumerateFiles(RepositoryPaths.Prompts, "*", SearchOption.AllDirectories)
            .Select(path => new PromptSourceFile(Path.GetRelativePath(RepositoryPaths.Prompts, path).Replace('\\', '/'), path, File.ReadAllText(path)))
            .Where(file => file.RelativePath.EndsWith(".yaml", StringComparison.Ordinal) || file.RelativePath.EndsWith(".liquid", StringComparison.Ordinal))
            .ToList();
        var intact = PromptLibraryLoader.Load([new PromptFileSet("samples", originals, [])], new PromptRenderLimits());
        Assert.DoesNotContain(intact.Diagnostics, d => d.IsError);

        Parallel.ForEach(originals, original =>
        {
            foreach (var mutated in PromptFileMutator.Mutate(original.Content, seed: originals.IndexOf(original), MutationsPerFile))
            {
                var files = originals.Select(f => f == original ? f with { Content = mutated } : f).ToList();

                var library = PromptLibraryLoader.Load([new PromptFileSet("mutated", files, [])], new PromptRenderLimits());
                var skillDiagnostics = new List<PromptDiagnostic>();
                if (original.RelativePath == "skills.yaml")
                {
                    SkillsFileParser.Parse(mutated, original.DisplayPath, skillDiagnostics);
                }

                // A mutation that lost a prompt version says why, on that file.
                if (original.RelativePath.Count(c => c == '/') == 1 && library.Prompts.Count < intact.Prompts.Count)
                {
                    Assert.Contains(library.Diagnostics, d => d.IsError && d.FilePath == original.DisplayPath);
                }

                Assert.All(library.Diagnostics.Concat(skillDiagnostics), d => Assert.False(string.IsNullOrWhiteSpace(d.Message)));
            }
        });
    }

    [Fact]
    public void LoadDirectory_ChainOfTwentyThousandPartials_IsRejectedAtTheIncludeDepthLimit()
    {
        var files = Enumerable.Range(0, 20_000)
            .Select(i => new PromptSourceFile($"_partials/p{i}.liquid", $"_partials/p{i}.liquid", i == 19_999 ? "end" : $"{{% include 'p{i + 1}' %}}"))
            .Append(new PromptSourceFile("chain/1.0.0.yaml", "chain/1.0.0.yaml", "messages:\n  - role: user\n    content: \"{% include 'p0' %}\"\n"))
            .ToList();

        var library = PromptLibraryLoader.Load([new PromptFileSet("chain", files, [])], new PromptRenderLimits());

        var error = Assert.Single(library.Diagnostics, d => d.IsError);
        Assert.Equal(PromptDiagnosticCodes.PartialCycle, error.Code);
        Assert.Contains($"over the limit of {PromptTemplateCompiler.MaxIncludeDepth}", error.Message, StringComparison.Ordinal);
        Assert.Empty(library.Prompts);
    }

    [Fact]
    public void LoadDirectory_PartialsThatEachIncludeTheNextTenTimes_LoadWithoutExpandingEveryPath()
    {
        // 10^8 include paths: checking each path would take minutes; checking each partial once takes milliseconds.
        using var dir = new TempPromptLibrary();
        for (var i = 0; i < 8; i++)
        {
            dir.Write($"_partials/f{i}.liquid", string.Concat(Enumerable.Repeat($"{{% include 'f{i + 1}' %}}", 10)));
        }

        dir.Write("_partials/f8.liquid", "{{ name }}");
        dir.Write("fan/1.0.0.yaml", "inputs:\n  name: { type: string }\nmessages:\n  - role: user\n    content: \"{% include 'f0' %}\"\n");

        var library = dir.Load();

        Assert.DoesNotContain(library.Diagnostics, d => d.IsError);
        Assert.Single(library.Prompts);
    }

    [Fact]
    public void LoadDirectory_FileOfManyMegabytes_IsRejectedWithoutBeingParsed()
    {
        using var dir = new TempPromptLibrary().With("big/1.0.0.yaml", "messages: [" + new string(' ', 5 * 1024 * 1024) + "]");

        var error = dir.Load().Single(PromptDiagnosticCodes.YamlTooLarge);

        Assert.Contains("bytes long", error.Message, StringComparison.Ordinal);
    }
}
