using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PromptOps.Tests.Spending;

public class SpendingOptionsValidationTests
{
    [Theory]
    [InlineData("Budgets:daily:LimitUsd", "0", "PromptOps:Spending:Budgets:daily:LimitUsd is 0")]
    [InlineData("TimeZone", "Mars/Olympus_Mons", "PromptOps:Spending:TimeZone is 'Mars/Olympus_Mons'")]
    [InlineData("Budgets:daily:Action", "Downgrade", "DowngradeModel is not set")]
    [InlineData("Budgets:daily:Action", "Blok", "PromptOps:Spending:Budgets:daily:Action is 'Blok'")]
    [InlineData("Budgets:daily:Period", "Fortnight", "PromptOps:Spending:Budgets:daily:Period is 'Fortnight'")]
    [InlineData("Budgets:daily:Match", "support", "but a Global budget counts every call")]
    [InlineData("Budgets:daily:AlertThresholds:0", "-0.5", "AlertThresholds has -0.5")]
    [InlineData("OnLedgerFailure", "Ignore", "PromptOps:Spending:OnLedgerFailure is 'Ignore'")]
    [InlineData("LedgerTimeout", "00:05:00", "LedgerTimeout")]
    public void AddPromptOps_MalformedSpendingSetting_FailsAtStartNamingTheSetting(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["PromptOps:Spending:Budgets:daily:LimitUsd"] = "100",
            ["PromptOps:Spending:" + key] = value,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddLogging().AddPromptOps(configuration.GetSection("PromptOps")).Services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PromptOpsOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void AddPromptOps_WellFormedSpendingSettings_BindEveryValue()
    {
        var settings = new Dictionary<string, string?>
        {
            ["PromptOps:Spending:TimeZone"] = "Europe/Berlin",
            ["PromptOps:Spending:Budgets:support:Scope"] = "Feature",
            ["PromptOps:Spending:Budgets:support:Match"] = "customer_support",
            ["PromptOps:Spending:Budgets:support:Period"] = "Month",
            ["PromptOps:Spending:Budgets:support:LimitUsd"] = "2000.50",
            ["PromptOps:Spending:Budgets:support:Action"] = "Downgrade",
            ["PromptOps:Spending:Budgets:support:DowngradeModel"] = "gpt-4o-mini",
            ["PromptOps:Spending:Budgets:support:AlertThresholds:0"] = "0.8",
            ["PromptOps:Spending:Budgets:support:AlertThresholds:1"] = "1.0",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddLogging().AddPromptOps(configuration.GetSection("PromptOps")).Services.BuildServiceProvider();

        var spending = services.GetRequiredService<IOptions<PromptOpsOptions>>().Value.Spending;

        var budget = spending.Budgets["support"];
        Assert.Equal("Europe/Berlin", spending.TimeZone);
        Assert.Equal(SpendBudgetScope.Feature, budget.Scope);
        Assert.Equal("customer_support", budget.Match);
        Assert.Equal(SpendBudgetPeriod.Month, budget.Period);
        Assert.Equal(2000.50m, budget.LimitUsd);
        Assert.Equal(SpendLimitAction.Downgrade, budget.Action);
        Assert.Equal([0.8, 1.0], budget.EffectiveThresholds);
    }
}
