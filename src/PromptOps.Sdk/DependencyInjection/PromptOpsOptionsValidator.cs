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
        foreach (var (named, settings) in options.Environments)
        {
            if (!EnvironmentName().IsMatch(named))
            {
                failures.Add($"PromptOps:Environments:{named} is not a valid environment name. Use letters, digits, '.', '-' or '_', for example 'production'.");
            }
            else if (settings is null)
            {
                failures.Add($"PromptOps:Environments:{named} is empty. Set RequireApproval, or remove the entry.");
            }
        }

        ValidateBudgets(options.Budgets, failures);
        ValidatePricing(options.Pricing, failures);
        foreach (var (named, called) in options.Models)
        {
            if (string.IsNullOrWhiteSpace(called))
            {
                failures.Add($"PromptOps:Models:{named} is empty. Set the model to call instead of '{named}' (for example llama3.2), or remove the entry.");
            }
        }

        ValidateSpending(options.Spending, failures);
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

    private static void ValidateSpending(PromptOpsSpendingOptions? spending, List<string> failures)
    {
        if (spending is null)
        {
            failures.Add("PromptOps:Spending is null. Remove the setting to have no spend budgets, or set its values.");
            return;
        }

        if (!SpendPeriods.TryFindZone(spending.TimeZone, out _))
        {
            failures.Add($"PromptOps:Spending:TimeZone is '{spending.TimeZone}', which is not a time zone this machine knows. Use an IANA id such as 'Europe/Berlin' or 'America/New_York', or remove it for UTC.");
        }

        foreach (var (name, budget) in spending.Budgets)
        {
            var key = $"PromptOps:Spending:Budgets:{name}";
            if (budget is null)
            {
                failures.Add($"{key} is empty. Set at least LimitUsd, for example {key}:LimitUsd = 100.");
                continue;
            }

            if (budget.LimitUsd <= 0)
            {
                failures.Add($"{key}:LimitUsd is {budget.LimitUsd.ToString(System.Globalization.CultureInfo.InvariantCulture)}. Set a limit in USD greater than 0, for example 1000.");
            }

            if (budget.Scope == SpendBudgetScope.Global && !string.IsNullOrWhiteSpace(budget.Match))
            {
                failures.Add($"{key}:Match is '{budget.Match}', but a Global budget counts every call. Set Scope to Feature, User, Tenant or Model, or remove Match.");
            }

            if (budget.AlertThresholds is { } thresholds)
            {
                foreach (var threshold in thresholds.Where(t => !(t > 0 && t <= 10)))
                {
                    failures.Add($"{key}:AlertThresholds has {threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)}. A threshold is a share of the limit greater than 0, for example 0.5, 0.9 or 1.0.");
                }

                if (thresholds.Distinct().Count() != thresholds.Count)
                {
                    failures.Add($"{key}:AlertThresholds lists a threshold twice ({string.Join(", ", thresholds.Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)))}). List each once.");
                }
            }

            if (budget.Action == SpendLimitAction.Downgrade && string.IsNullOrWhiteSpace(budget.DowngradeModel))
            {
                failures.Add($"{key}:Action is Downgrade but DowngradeModel is not set. Name the cheaper model, for example {key}:DowngradeModel = gpt-4o-mini.");
            }
            else if (budget.Action != SpendLimitAction.Downgrade && !string.IsNullOrWhiteSpace(budget.DowngradeModel))
            {
                failures.Add($"{key}:DowngradeModel is '{budget.DowngradeModel}' but Action is {budget.Action}. Set Action to Downgrade, or remove DowngradeModel.");
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

        foreach (var (endpoint, provider) in pricing.Endpoints)
        {
            if (PriceProviders.Host(endpoint) is null)
            {
                failures.Add($"PromptOps:Pricing:Endpoints:{endpoint} is not a host name or URL. Use the host the client calls, for example api.x.ai.");
            }
            else if (provider is null)
            {
                failures.Add($"PromptOps:Pricing:Endpoints:{endpoint} names no provider. Set a LiteLLM provider such as xai or openrouter, or an empty string to price that host's models by name alone.");
            }
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
