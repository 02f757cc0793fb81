namespace PromptOps.BuildCheck;

/// <summary>What the project's build asks of the check: the folder, and how warnings are treated (as the compiler does).</summary>
internal sealed class BuildCheckSettings
{
    public string Directory { get; private init; } = "prompts";

    private bool WarningsAsErrors { get; init; }

    private HashSet<string> AsErrors { get; } = new(StringComparer.OrdinalIgnoreCase);

    private HashSet<string> NotAsErrors { get; } = new(StringComparer.OrdinalIgnoreCase);

    private HashSet<string> Suppressed { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static BuildCheckSettings Parse(string[] args)
    {
        var settings = new BuildCheckSettings { Directory = args.Length > 0 ? Path.GetFullPath(args[0]) : "prompts", WarningsAsErrors = Value(args, "--warnaserror") is { } all && bool.TryParse(all, out var on) && on };
        Add(settings.AsErrors, Value(args, "--warnaserror-codes"));
        Add(settings.NotAsErrors, Value(args, "--warnnotaserror-codes"));
        Add(settings.Suppressed, Value(args, "--nowarn"));
        return settings;
    }

    /// <summary>How a diagnostic is reported: errors stay errors; a warning is dropped by NoWarn, or made an error by
    /// TreatWarningsAsErrors (unless WarningsNotAsErrors names it) or WarningsAsErrors.</summary>
    public PromptDiagnosticSeverity? SeverityOf(PromptDiagnostic diagnostic)
    {
        if (diagnostic.IsError)
        {
            return PromptDiagnosticSeverity.Error;
        }

        if (Suppressed.Contains(diagnostic.Code))
        {
            return null;
        }

        return AsErrors.Contains(diagnostic.Code) || (WarningsAsErrors && !NotAsErrors.Contains(diagnostic.Code))
            ? PromptDiagnosticSeverity.Error
            : PromptDiagnosticSeverity.Warning;
    }

    private static string? Value(string[] args, string name)
    {
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                return args[i][(name.Length + 1)..];
            }
        }

        return null;
    }

    private static void Add(HashSet<string> codes, string? list)
    {
        foreach (var code in (list ?? string.Empty).Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            codes.Add(code);
        }
    }
}
