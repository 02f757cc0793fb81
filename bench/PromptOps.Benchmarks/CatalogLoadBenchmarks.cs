using System.Globalization;
using BenchmarkDotNet.Attributes;
using YamlDotNet.Serialization;

namespace PromptOps.Benchmarks;

/// <summary>
/// DESIGN §7 catalog target: 1,000 prompt files loaded, validated and compiled (with their lock file verified) within 3 times
/// the time YamlDotNet takes merely to deserialise the same files. Both read the files from disk.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("CatalogLoad")]
public class CatalogLoadBenchmarks
{
    private const int PromptCount = 1000;
    private string _directory = null!;
    private string[] _files = null!;
    private IDeserializer _deserializer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("promptops-bench-catalog-").FullName;
        var promptLock = new PromptLock();
        for (var i = 0; i < PromptCount; i++)
        {
            var id = $"prompt-{i:D4}";
            var text = string.Create(CultureInfo.InvariantCulture, $$$"""
                id: {{{id}}}
                version: 1.0.0
                status: published
                description: Generated prompt {{{i}}} for the catalog load benchmark
                owner: bench
                model: { id: gpt-4o, temperature: 0.2, max_output_tokens: 400 }
                budget: { max_tokens_per_request: 4000 }
                inputs:
                  company_name: { type: string, required: true }
                  items: { type: array, default: [] }
                  question: { type: string, required: true, max_length: 2000 }
                messages:
                  - role: system
                    content: |
                      You are assistant {{{i}}} for {{ company_name }}.
                      {% for item in items %}- {{ item }}
                      {% endfor %}
                  - role: user
                    content: "{{ question }}"
                """);
            Directory.CreateDirectory(Path.Combine(_directory, id));
            File.WriteAllText(Path.Combine(_directory, id, "1.0.0.yaml"), text);
            promptLock.Set(id, "1.0.0", PromptLock.ComputeHash(text));
        }

        File.WriteAllText(Path.Combine(_directory, PromptLock.FileName), promptLock.ToJson());
        _files = [.. Directory.EnumerateFiles(_directory, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        _deserializer = new DeserializerBuilder().Build();

        var library = PromptOps();
        if (library.Prompts.Count != PromptCount || library.Diagnostics.Count != 0)
        {
            throw new InvalidOperationException($"Loaded {library.Prompts.Count} prompts with {library.Diagnostics.Count} diagnostics: {string.Join('\n', library.Diagnostics.Take(3))}");
        }

        if (YamlDotNetOnly() != PromptCount)
        {
            throw new InvalidOperationException("YamlDotNet did not read every file.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true, Description = "YamlDotNet deserialise only")]
    public int YamlDotNetOnly()
    {
        var count = 0;
        foreach (var file in _files)
        {
            if (_deserializer.Deserialize<Dictionary<object, object>>(File.ReadAllText(file)) is { Count: > 0 })
            {
                count++;
            }
        }

        return count;
    }

    [Benchmark(Description = "PromptOps load + validate + compile + lock")]
    public PromptLibrary PromptOps() => PromptLibrary.LoadDirectory(_directory);
}
