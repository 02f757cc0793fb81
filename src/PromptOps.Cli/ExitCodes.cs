namespace PromptOps.Cli;

/// <summary>The exit codes of every verb, as documented in docs/cli.md.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked and the checked thing passed.</summary>
    public const int Success = 0;

    /// <summary>The checked thing failed: invalid prompts, a failed render, a missing prompt.</summary>
    public const int Failed = 1;

    /// <summary>The command line itself is wrong: unknown verb or option, missing argument, unreadable input file.</summary>
    public const int UsageError = 2;
}
