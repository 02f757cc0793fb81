using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>Checks the numeric limits of <see cref="PromptOpsOptions"/> from their data annotations (source-generated).</summary>
[OptionsValidator]
internal sealed partial class PromptOpsOptionsAnnotationsValidator : IValidateOptions<PromptOpsOptions>;

/// <summary>Checks what annotations cannot express, with messages that show the offending value.</summary>
internal sealed partial class PromptOpsOptionsValidator : IValidateOptions<PromptOpsOptions>
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentName();

    /// <summary>The one rule for environment names, in options, labels.yaml and the CLI: letters, digits, '.', '-', '_'.</summary>
    internal static bool IsEnvironmentName(string text) => EnvironmentName().IsMatch(text);

    public ValidateOptionsResult Validate(string? name, PromptOpsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Environment is { } environment && !EnvironmentName().IsMatch(environment))
        {
            failures.Add($"PromptOps:Environment is '{environment}', which is not a valid environment name. Use letters, digits, '.', '-' or '_', for example 'production' or 'staging'.");
        }

        if (options.RenderLimits is null)
        {
            failures.Add("PromptOps:RenderLimits is null. Remove the setting to use the defaults, or set its values.");
        }

        ValidateLabels(options.Labels, failures);
        ValidateBudgets(options.Budgets, failures);
        ValidatePricing(options.Pricing, failures);
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }

    private static void ValidateLabels(Dictionary<string, Dictionary<string, string>> labels, List<string> failures)
    {
        foreach (var (environment, prompts) in labels)
        {
            if (!EnvironmentName().IsMatch(environment))
            {
                failures.Add($"PromptOps:Labels:{environment} is not a valid environment name. Use letters, digits, '.', '-' or '_', for example 'production'.");
                continue;
            }

            foreach (var (id, text) in prompts ?? [])
            {
                if (!LabelsFileParser.TryParseText(text, out _, out _, out var error))
                {
                    failures.Add($"PromptOps:Labels:{environment}:{id} is '{text}', which is invalid: {error}");
                }
            }
        }
    }

    private static void ValidateBudgets(PromptOpsBudgetOptions? budgets, List<string> failures)
    {
        if (budgets is null)
        {
            failures.Add("PromptOps:Budgets is null. Remove the setting to use the defaults, or set its values.");
            return;
        }

        if (!Enum.IsDefined(budgets.Policy))
        {
            failures.Add($"PromptOps:Budgets:Policy is '{(int)budgets.Policy}', which is not a token budget policy. Use Reject, ClampOutput or Warn.");
        }

        foreach (var (feature, budget) in budgets.Features)
        {
            var key = $"PromptOps:Budgets:Features:{feature}";
            if (budget is null)
            {
                failures.Add($"{key} is empty. Set MaxTokensPerRequest (and optionally Policy and AlertThreshold), or remove the section.");
                continue;
            }

            if (budget.MaxTokensPerRequest is <= 0)
            {
                failures.Add($"{key}:MaxTokensPerRequest is '{budget.MaxTokensPerRequest}', but a token budget must be a positive number of tokens. Set a limit such as 5000, or remove the setting for no limit.");
            }

            if (budget.AlertThreshold is { } threshold && (threshold is <= 0 or > 1 || double.IsNaN(threshold)))
            {
                failures.Add($"{key}:AlertThreshold is '{threshold}', but it must be a share of the budget above 0 and at most 1, for example 0.9.");
            }

            if (budget.Policy is { } policy && !Enum.IsDefined(policy))
            {
                failures.Add($"{key}:Policy is '{(int)policy}', which is not a token budget policy. Use Reject, ClampOutput or Warn.");
            }
        }
    }

    private static void ValidatePricing(PromptOpsPricingOptions? pricing, List<string> failures)
    {
        if (pricing is null)
        {
            failures.Add("PromptOps:Pricing is null. Remove the setting to use the embedded price table, or set its values.");
            return;
        }

        foreach (var (model, price) in pricing.Models)
        {
            var key = $"PromptOps:Pricing:Models:{model}";
            if (price is null || price.InputPerMillionTokens is null || price.OutputPerMillionTokens is null)
            {
                failures.Add($"{key} needs both InputPerMillionTokens and OutputPerMillionTokens (USD per million tokens). Add the missing price, or remove the override to use the default table.");
                continue;
            }

            CheckPrice(failures, key, nameof(price.InputPerMillionTokens), price.InputPerMillionTokens);
            CheckPrice(failures, key, nameof(price.OutputPerMillionTokens), price.OutputPerMillionTokens);
            CheckPrice(failures, key, nameof(price.CachedInputPerMillionTokens), price.CachedInputPerMillionTokens);
            CheckPrice(failures, key, nameof(price.CacheWritePerMillionTokens), price.CacheWritePerMillionTokens);
            CheckPrice(failures, key, nameof(price.ReasoningPerMillionTokens), price.ReasoningPerMillionTokens);
        }

        if (!string.IsNullOrWhiteSpace(pricing.PriceFile))
        {
            try
            {
                ModelPricing.LoadPriceFile(pricing.PriceFile);
            }
            catch (PromptOpsException ex)
            {
                failures.Add($"PromptOps:Pricing:PriceFile: {ex.Message}");
            }
        }
    }

    private static void CheckPrice(List<string> failures, string key, string name, decimal? value)
    {
        if (value is < 0)
        {
            failures.Add($"{key}:{name} is '{value}', but a price cannot be negative. Set the provider's price in USD per million tokens, for example 2.5.");
        }
    }
}

/// <summary>Fills <see cref="PromptOpsOptions.Environment"/> from the host when configuration leaves it empty.</summary>
internal sealed class PromptOpsOptionsDefaults(Microsoft.Extensions.Hosting.IHostEnvironment? hostEnvironment = null) : IPostConfigureOptions<PromptOpsOptions>
{
    public void PostConfigure(string? name, PromptOpsOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Environment))
        {
            options.Environment = hostEnvironment?.EnvironmentName is { Length: > 0 } environment ? environment.ToLowerInvariant() : "production";
        }
    }
}
