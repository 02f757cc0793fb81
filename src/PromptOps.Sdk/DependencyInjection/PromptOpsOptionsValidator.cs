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

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
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
