using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>
/// The effective price table of the application (price file or embedded table, plus configured overrides), rebuilt when the
/// pricing options change, and the one warning per unknown model.
/// </summary>
internal sealed partial class ModelPricing
{
    private readonly IOptionsMonitor<PromptOpsOptions> _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _warnedModels = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _buildLock = new();
    private static LoadedFile? s_lastFile;
    private PricedTable? _current;

    public ModelPricing(IOptionsMonitor<PromptOpsOptions> options, ILogger<ModelPricing>? logger = null)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public ModelPriceTable Table => Current().Table;

    /// <summary>The table and endpoint map of the current pricing options, built once per options instance.</summary>
    private PricedTable Current()
    {
        var pricing = _options.CurrentValue.Pricing;
        if (Volatile.Read(ref _current) is { } known && ReferenceEquals(known.Options, pricing))
        {
            return known;
        }

        lock (_buildLock)
        {
            if (_current is { } built && ReferenceEquals(built.Options, pricing))
            {
                return built;
            }

            var current = new PricedTable(pricing, Build(pricing), PriceProviders.ConfiguredEndpoints(pricing.Endpoints));
            Volatile.Write(ref _current, current);
            return current;
        }
    }

    /// <summary>The provider that served a call, in LiteLLM's names, from the endpoint the client calls and the name it reports.</summary>
    public string? ProviderFor(string? providerName, Uri? endpoint) => Current().ProviderFor(providerName, endpoint);

    /// <summary>Finds the price of a model for the provider that served the call (see <see cref="ProviderFor"/>).</summary>
    public bool TryFind(string model, string? providerName, Uri? endpoint, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ModelPriceMatch? match)
    {
        var current = Current();
        return current.Table.TryFind(model, current.ProviderFor(providerName, endpoint), out match);
    }

    /// <summary>Builds the table the options describe; throws <see cref="PromptOpsException"/> for an unreadable price file.</summary>
    public static ModelPriceTable Build(PromptOpsPricingOptions pricing)
    {
        var table = string.IsNullOrWhiteSpace(pricing.PriceFile) ? ModelPriceTable.Default : LoadPriceFile(pricing.PriceFile);
        var overrides = pricing.Models.ToDictionary(m => m.Key, m => m.Value.ToModelPrice(), StringComparer.OrdinalIgnoreCase);
        return table.WithOverrides(overrides, "configuration");
    }

    /// <summary>
    /// Loads a price file, reusing the last load while the file is unchanged: start-up validation and the first priced call
    /// would otherwise read and parse the same file twice.
    /// </summary>
    public static ModelPriceTable LoadPriceFile(string path)
    {
        var file = new FileInfo(path);
        var stamp = (file.FullName, file.Exists ? file.LastWriteTimeUtc : default, file.Exists ? file.Length : -1);
        if (Volatile.Read(ref s_lastFile) is { } last && last.Stamp == stamp)
        {
            return last.Table;
        }

        var table = ModelPriceTable.LoadLiteLlmFile(path);
        Volatile.Write(ref s_lastFile, new LoadedFile(stamp, table));
        return table;
    }

    /// <summary>Prices a call: its total in USD, or <see langword="null"/> (and one warning per model) when the model has no price.</summary>
    public decimal? TryPrice(string? model, string? providerName, Uri? endpoint, TokenUsage usage, out string? priceSource, out bool clamped)
    {
        clamped = false;
        priceSource = null;
        var current = Current();
        var provider = current.ProviderFor(providerName, endpoint);
        if (string.IsNullOrWhiteSpace(model))
        {
            WarnOnce("(none)", provider);
            return null;
        }

        if (!current.Table.TryFind(model, provider, out var match))
        {
            WarnOnce(model, provider);
            return null;
        }

        priceSource = match.SourceAndKey;
        return CostCalculator.Calculate(match.Price, usage, out clamped).Total;
    }

    private void WarnOnce(string model, string? provider)
    {
        if (_warnedModels.TryAdd(model, 0))
        {
            LogUnknownModel(_logger, model, provider ?? "(unknown)");
        }
    }

    /// <summary>The table built for one pricing options instance, swapped as one reference so readers never see a torn pair.</summary>
    private sealed record PricedTable(PromptOpsPricingOptions Options, ModelPriceTable Table, FrozenDictionary<string, string> Endpoints)
    {
        /// <summary>The provider resolved per client (its provider name and endpoint), so a call does not resolve it again.</summary>
        private readonly ConcurrentDictionary<(string? Name, string Endpoint), string?> _providers = new();

        public string? ProviderFor(string? providerName, Uri? endpoint) => _providers.GetOrAdd(
            (providerName, endpoint?.OriginalString ?? string.Empty),
            static (_, state) => PriceProviders.Resolve(state.Name, state.Endpoint, state.Endpoints),
            (Name: providerName, Endpoint: endpoint, Endpoints));
    }

    private sealed record LoadedFile((string Path, DateTime LastWrite, long Length) Stamp, ModelPriceTable Table);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Model '{Model}' (provider {Provider}) has no known price for that provider, so its calls are recorded with Cost = null. Add it under PromptOps:Pricing:Models:{Model} (InputPerMillionTokens, OutputPerMillionTokens) or point PromptOps:Pricing:PriceFile at a LiteLLM price file that has it. This warning is logged once per model.")]
    private static partial void LogUnknownModel(ILogger logger, string model, string provider);
}
