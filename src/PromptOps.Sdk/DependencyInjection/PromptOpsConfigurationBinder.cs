using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>
/// Binds <see cref="PromptOpsOptions"/> from configuration after checking the raw text of the settings that bind to enums.
/// The configuration binder ignores an unknown name in some places (dictionary values) and reports it without the valid
/// choices in others, so a typo such as <c>Rejekt</c> gets a clear error here, when the host starts.
/// </summary>
internal sealed class PromptOpsConfigurationBinder(IConfiguration section) : IConfigureNamedOptions<PromptOpsOptions>
{
    public void Configure(PromptOpsOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, PromptOpsOptions options)
    {
        if (name != Options.DefaultName)
        {
            return;
        }

        var failures = CheckEnums();
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(PromptOpsOptions), failures);
        }

        section.Bind(options);
    }

    private List<string> CheckEnums()
    {
        var failures = new List<string>();
        Check<TokenBudgetPolicy>(section.GetSection("Budgets:Policy"), failures);
        foreach (var feature in section.GetSection("Budgets:Features").GetChildren())
        {
            Check<TokenBudgetPolicy>(feature.GetSection("Policy"), failures);
        }

        Check<PromptCallContentCapture>(section.GetSection("Calls:ContentCapture"), failures);
        Check<SpendLedgerFailureMode>(section.GetSection("Spending:OnLedgerFailure"), failures);
        foreach (var budget in section.GetSection("Spending:Budgets").GetChildren())
        {
            Check<SpendBudgetScope>(budget.GetSection("Scope"), failures);
            Check<SpendBudgetPeriod>(budget.GetSection("Period"), failures);
            Check<SpendLimitAction>(budget.GetSection("Action"), failures);
        }

        return failures;
    }

    private static void Check<TEnum>(IConfigurationSection setting, List<string> failures)
        where TEnum : struct, Enum
    {
        if (setting.Value is { Length: > 0 } value && (!Enum.TryParse<TEnum>(value, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(value, out _)))
        {
            failures.Add($"{setting.Path} is '{value}', which is not one of the allowed values. Use one of: {string.Join(", ", Enum.GetNames<TEnum>())}.");
        }
    }
}
