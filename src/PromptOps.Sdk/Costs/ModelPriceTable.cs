using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PromptOps;

/// <summary>
/// A table of model prices, keyed by model id as LiteLLM's price map names them. <see cref="Default"/> is generated from
/// LiteLLM's public map and embedded in the package; <see cref="LoadLiteLlmFile(string)"/> reads any file in that format.
/// </summary>
/// <remarks>
/// <para>Model ids are matched as providers return them: with the provider's prefix before the whole id
/// (<c>groq/openai/gpt-oss-120b</c>, <c>openrouter/openai/gpt-4o</c>), then before the part after the last slash
/// (<c>azure/gpt-4o</c>), then as given (ignoring case), then without any prefix (<c>models/gemini-2.5-pro</c>), then without
/// a date suffix (<c>gpt-4o-2099-01-01</c>, <c>claude-sonnet-4-5-20990101</c>).</para>
/// <para>When the provider is one the table files entries under, only that provider's entries (and entries without a
/// provider, such as configured overrides) are taken: a router's call is priced at the router's rate, and a model the
/// provider has no entry for has no price rather than another provider's. An unknown provider is looked up by model name
/// alone. Thread-safe; resolutions are cached.</para>
/// </remarks>
public sealed partial class ModelPriceTable
{
    private const string DefaultResourceName = "PromptOps.Costs.Data.litellm-chat-prices.json";
    private const string MetadataKey = "_promptops";

    private static readonly Lazy<ModelPriceTable> DefaultTable = new(LoadDefault, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly FrozenDictionary<string, ModelPrice> _prices;
    private readonly string[] _providers;
    private readonly ConcurrentDictionary<(string? Provider, string Model), ModelPriceMatch?> _resolved = new();

    private ModelPriceTable(FrozenDictionary<string, ModelPrice> prices, string source)
    {
        _prices = prices;
        _providers = [.. prices.Values.Select(p => p.Provider).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase)];
        Source = source;
    }

    /// <summary>Gets the table generated from LiteLLM's public price map and embedded in the package.</summary>
    public static ModelPriceTable Default => DefaultTable.Value;

    /// <summary>Gets where the prices come from, for example <c>litellm 2026-08-01 (sha256 ba37bb46…)</c>; recorded with every priced call.</summary>
    public string Source { get; }

    /// <summary>Gets the number of models in the table.</summary>
    public int Count => _prices.Count;

    /// <summary>Gets the model ids in the table.</summary>
    public IEnumerable<string> ModelIds => _prices.Keys;

    /// <summary>Creates a table from prices given in code.</summary>
    /// <param name="prices">Prices keyed by model id.</param>
    /// <param name="source">A short description of where the prices come from.</param>
    /// <returns>The table.</returns>
    public static ModelPriceTable Create(IReadOnlyDictionary<string, ModelPrice> prices, string source)
    {
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        return new ModelPriceTable(prices.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), source);
    }

    /// <summary>Loads a table from a file in LiteLLM's <c>model_prices_and_context_window.json</c> format.</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The table; models without token prices (images, audio, per-second pricing) are left out.</returns>
    /// <exception cref="PromptOpsException">The file is missing, is not valid JSON, or holds a price that is not a non-negative number.</exception>
    public static ModelPriceTable LoadLiteLlmFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FileStream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PromptOpsException($"The price file '{path}' cannot be read: {ex.Message.TrimEnd('.')}. Check the path in PromptOps:Pricing:PriceFile.", ex);
        }

        using (stream)
        {
            return LoadLiteLlm(stream, path);
        }
    }

    /// <summary>Loads a table from a stream in LiteLLM's <c>model_prices_and_context_window.json</c> format.</summary>
    /// <param name="json">The JSON content.</param>
    /// <param name="sourceName">The name to report in errors and in <see cref="Source"/>, typically the file name.</param>
    /// <returns>The table.</returns>
    /// <exception cref="PromptOpsException">The content is not valid JSON or holds a price that is not a non-negative number.</exception>
    public static ModelPriceTable LoadLiteLlm(Stream json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new PromptOpsException($"{sourceName}({(ex.LineNumber ?? 0) + 1},{(ex.BytePositionInLine ?? 0) + 1}): the price file is not valid JSON: {ex.Message} Fix the file or remove the PromptOps:Pricing:PriceFile setting.", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new PromptOpsException($"{sourceName}: the price file must hold a JSON object keyed by model id, as LiteLLM's model_prices_and_context_window.json does.");
            }

            var prices = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
            var problems = new List<string>();
            var source = sourceName;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    source = DescribeSource(property.Value, sourceName);
                    continue;
                }

                if (property.Value.ValueKind != JsonValueKind.Object || property.Name is "sample_spec" or "fallback_generalizations")
                {
                    continue;
                }

                if (ReadModel(property.Name, property.Value, problems, sourceName) is { } price)
                {
                    prices[property.Name] = price;
                }
            }

            if (problems.Count > 0)
            {
                throw new PromptOpsException(string.Join(Environment.NewLine, problems));
            }

            return new ModelPriceTable(prices.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), source);
        }
    }

    /// <summary>Returns a table in which the given prices replace or add to this table's.</summary>
    /// <param name="overrides">Prices keyed by model id.</param>
    /// <param name="source">What to append to <see cref="Source"/>, for example <c>configuration</c>.</param>
    /// <returns>A new table; this one is unchanged.</returns>
    public ModelPriceTable WithOverrides(IReadOnlyDictionary<string, ModelPrice> overrides, string source)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        if (overrides.Count == 0)
        {
            return this;
        }

        var merged = new Dictionary<string, ModelPrice>(_prices, StringComparer.OrdinalIgnoreCase);
        foreach (var (model, price) in overrides)
        {
            merged[model] = price;
        }

        return new ModelPriceTable(merged.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), $"{Source} + {source}");
    }

    /// <summary>Finds the price of a model as a provider names it.</summary>
    /// <param name="modelId">The model id from the request or the response, for example <c>gpt-4o-2024-08-06</c>.</param>
    /// <param name="providerName">The provider: a name from <c>ChatClientMetadata.ProviderName</c> (<c>openai</c>, <c>aws.bedrock</c>) or
    /// a LiteLLM provider (<c>openrouter</c>, <c>groq</c>); <see langword="null"/> to look the model up by name alone.</param>
    /// <param name="match">The price and the table key it was found under.</param>
    /// <returns><see langword="true"/> when the model has a price.</returns>
    public bool TryFind(string modelId, string? providerName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ModelPriceMatch? match)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        match = _resolved.GetOrAdd((providerName, modelId), static (key, table) => table.Resolve(key.Model, key.Provider), this);
        return match is not null;
    }

    private ModelPriceMatch? Resolve(string modelId, string? providerName)
    {
        foreach (var (key, price, accepted) in Consider(modelId, providerName))
        {
            if (accepted)
            {
                return new ModelPriceMatch(key, price!, Source);
            }
        }

        return null;
    }

    /// <summary>
    /// Explains how a model id resolves for a provider: every table key tried, in order, whether it exists, and whether it
    /// was taken (an entry filed under another provider is never taken when the provider is known to the table).
    /// </summary>
    internal IReadOnlyList<PriceCandidate> Explain(string modelId, string? providerName) =>
        [.. Consider(modelId, providerName).Select(c => new PriceCandidate(c.Key, c.Price, c.Accepted))];

    /// <summary>The provider the table looks a model up for: LiteLLM's name, or <see langword="null"/> (by name alone).</summary>
    internal string? EffectiveProvider(string? providerName) =>
        PriceProviders.Normalize(providerName) is { } provider && Array.Exists(_providers, p => PriceProviders.Serves(provider, p)) ? provider : null;

    private IEnumerable<(string Key, ModelPrice? Price, bool Accepted)> Consider(string modelId, string? providerName)
    {
        // A provider the table files entries under is looked up strictly: only its own entries (or ones given in code or
        // configuration, which name no provider) price its calls. An unknown provider is looked up by model name alone.
        var provider = EffectiveProvider(providerName);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var candidate in Candidates(modelId.Trim(), provider is null ? [] : PriceProviders.Prefixes(provider)))
        {
            if (!seen.Add(candidate))
            {
                continue;
            }

            var found = _prices.TryGetValue(candidate, out var price);
            var accepted = found && (provider is null || PriceProviders.Serves(provider, price!.Provider));
            yield return (candidate, found ? price : null, accepted);
            if (accepted)
            {
                yield break;
            }
        }
    }

    private static IEnumerable<string> Candidates(string modelId, string[] prefixes)
    {
        // A provider's own entry for the whole id comes first: Groq's "openai/gpt-oss-120b" is "groq/openai/gpt-oss-120b",
        // and a router's "openai/gpt-3.5-turbo" is "openrouter/openai/gpt-3.5-turbo", priced at the router's rate.
        // (OpenRouter's own "openrouter/auto" is "openrouter/openrouter/auto".)
        foreach (var prefix in prefixes)
        {
            yield return $"{prefix}/{modelId}";
        }

        var bare = modelId[(modelId.LastIndexOf('/') + 1)..];
        var undated = DateSuffix().Replace(bare, string.Empty);
        foreach (var name in bare == undated ? [bare] : new[] { bare, undated })
        {
            foreach (var prefix in prefixes)
            {
                yield return $"{prefix}/{name}";
            }

            if (name == bare)
            {
                yield return modelId;
            }

            yield return name;
        }
    }

    [GeneratedRegex(@"(-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8})$", RegexOptions.CultureInvariant)]
    private static partial Regex DateSuffix();

    private static ModelPriceTable LoadDefault()
    {
        using var stream = typeof(ModelPriceTable).Assembly.GetManifestResourceStream(DefaultResourceName)
            ?? throw new InvalidOperationException($"The embedded price table '{DefaultResourceName}' is missing from PromptOps.Sdk; the package is damaged.");
        return LoadLiteLlm(stream, "litellm");
    }

    private static string DescribeSource(JsonElement metadata, string fallback)
    {
        var date = metadata.TryGetProperty("snapshot_date", out var d) ? d.GetString() : null;
        var sha = metadata.TryGetProperty("source_sha256", out var s) ? s.GetString() : null;
        return date is null ? fallback : $"{fallback} {date}" + (sha is { Length: >= 12 } ? $" (sha256 {sha[..12]})" : string.Empty);
    }

    private static ModelPrice? ReadModel(string model, JsonElement entry, List<string> problems, string sourceName)
    {
        var input = ReadPrice(entry, "input_cost_per_token", model, problems, sourceName);
        var output = ReadPrice(entry, "output_cost_per_token", model, problems, sourceName);
        if (input is null || output is null)
        {
            return null;
        }

        var tiers = new SortedDictionary<int, (decimal? Input, decimal? Output, decimal? CacheRead, decimal? CacheWrite)>();
        foreach (var field in entry.EnumerateObject())
        {
            if (TierField().Match(field.Name) is not { Success: true } m)
            {
                continue;
            }

            var threshold = int.Parse(m.Groups["k"].ValueSpan, CultureInfo.InvariantCulture) * 1000;
            var value = ReadPrice(entry, field.Name, model, problems, sourceName);
            tiers.TryGetValue(threshold, out var tier);
            tiers[threshold] = m.Groups["kind"].Value switch
            {
                "input_cost_per_token" => tier with { Input = value },
                "output_cost_per_token" => tier with { Output = value },
                "cache_read_input_token_cost" => tier with { CacheRead = value },
                _ => tier with { CacheWrite = value },
            };
        }

        return new ModelPrice
        {
            InputPerToken = input.Value,
            OutputPerToken = output.Value,
            CacheReadPerToken = ReadPrice(entry, "cache_read_input_token_cost", model, problems, sourceName)
                ?? ReadPrice(entry, "input_cost_per_token_cache_hit", model, problems, sourceName),
            CacheWritePerToken = ReadPrice(entry, "cache_creation_input_token_cost", model, problems, sourceName),
            ReasoningPerToken = ReadPrice(entry, "output_cost_per_reasoning_token", model, problems, sourceName),
            InputAudioPerToken = ReadPrice(entry, "input_cost_per_audio_token", model, problems, sourceName),
            OutputAudioPerToken = ReadPrice(entry, "output_cost_per_audio_token", model, problems, sourceName),
            LongContextTiers = [.. tiers
                .Where(t => t.Value.Input is not null || t.Value.Output is not null)
                .Select(t => new LongContextPrice
                {
                    ThresholdTokens = t.Key,
                    InputPerToken = t.Value.Input ?? input.Value,
                    OutputPerToken = t.Value.Output ?? output.Value,
                    CacheReadPerToken = t.Value.CacheRead,
                    CacheWritePerToken = t.Value.CacheWrite,
                })],
            Provider = entry.TryGetProperty("litellm_provider", out var provider) && provider.ValueKind == JsonValueKind.String ? provider.GetString() : null,
            MaxInputTokens = ReadInt(entry, "max_input_tokens"),
            MaxOutputTokens = ReadInt(entry, "max_output_tokens"),
            SupportsPromptCaching = entry.TryGetProperty("supports_prompt_caching", out var caching) && caching.ValueKind == JsonValueKind.True,
        };
    }

    [GeneratedRegex(@"^(?<kind>input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)_above_(?<k>\d{1,6})k_tokens$", RegexOptions.CultureInvariant)]
    private static partial Regex TierField();

    private static decimal? ReadPrice(JsonElement entry, string field, string model, List<string> problems, string sourceName)
    {
        if (!entry.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && decimal.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var price) && price >= 0)
        {
            return price;
        }

        problems.Add($"{sourceName}: model '{model}' has {field} = {value.GetRawText()}, which is not a non-negative number of USD per token. Fix the value or remove the model from the file.");
        return null;
    }

    private static int? ReadInt(JsonElement entry, string field) =>
        entry.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;
}

/// <summary>A model's price as found in a <see cref="ModelPriceTable"/>.</summary>
/// <param name="Key">The table key the model matched, for example <c>gpt-4o-2024-08-06</c> or <c>azure/gpt-4o</c>.</param>
/// <param name="Price">The prices.</param>
/// <param name="Source">Where the table's prices come from (<see cref="ModelPriceTable.Source"/>).</param>
public sealed record ModelPriceMatch(string Key, ModelPrice Price, string Source)
{
    /// <summary>Gets <c>source: key</c>, the price source recorded with each call (built once per match).</summary>
    internal string SourceAndKey { get; } = $"{Source}: {Key}";
}

/// <summary>A table key considered while resolving a model's price (<c>promptops price</c> shows them).</summary>
/// <param name="Key">The key tried.</param>
/// <param name="Price">The entry under that key, or <see langword="null"/> when the table has none.</param>
/// <param name="Accepted">Whether the entry was taken: it exists and prices calls of the provider.</param>
internal sealed record PriceCandidate(string Key, ModelPrice? Price, bool Accepted);
