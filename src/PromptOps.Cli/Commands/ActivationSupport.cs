using System.CommandLine;
using Microsoft.Extensions.Configuration;

namespace PromptOps.Cli.Commands;

/// <summary>
/// What <c>activate</c>, <c>approve</c> and <c>rollout</c> share: the application's PromptOps settings (which environments
/// require approval) read from its configuration, and the <see cref="ActivationDesk"/> that applies the same rules as
/// <see cref="IPromptActivations"/> in the application.
/// </summary>
internal static class ActivationSupport
{
    public static Option<string[]> ConfigOption() => new("--config")
    {
        Description = "The application's configuration files (JSON), read like the application reads them, for PromptOps:Environments:<env>:RequireApproval. Default: appsettings.json in the current directory, if present. PromptOps__... environment variables are read too.",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>Reads the <c>PromptOps</c> section of the given files (or <c>appsettings.json</c>) and the environment, as the application would.</summary>
    public static (PromptOpsOptions Options, string Sources) ReadSettings(string[]? files)
    {
        var builder = new ConfigurationBuilder();
        var sources = new List<string>();
        var given = files is { Length: > 0 };
        foreach (var file in given ? files! : ["appsettings.json"])
        {
            var path = Path.GetFullPath(file);
            if (!File.Exists(path))
            {
                if (given)
                {
                    throw new CliUsageException($"--config '{file}' does not exist. Pass the application's appsettings.json.");
                }

                continue;
            }

            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
            sources.Add(Path.GetFileName(path));
        }

        builder.AddEnvironmentVariables();
        sources.Add("environment variables");
        var options = new PromptOpsOptions();
        try
        {
            builder.Build().GetSection("PromptOps").Bind(options);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or InvalidDataException)
        {
            throw new CliUsageException($"The configuration ({string.Join(", ", sources)}) cannot be read: {ex.Message}");
        }

        return (options, string.Join(", ", sources));
    }

    /// <summary>Opens the application's store for a command that changes what it serves: SQLite or PostgreSQL only.</summary>
    public static OpenStore OpenLiveStore(string? store)
    {
        var text = StoreSupport.Resolve(store);
        if (Path.GetExtension(text).Equals(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliUsageException($"--store '{text}' is a JSON-lines file, which no running application reads. Approvals and rollouts need the application's store: a SQLite file (promptops.db) or a PostgreSQL connection string.");
        }

        return StoreSupport.Open(text, createSqlite: false);
    }
}

/// <summary>
/// What a command that records a decision (activate, approve, rollout, abort) works with: the library it checks versions
/// against, the application's settings, the store, and the desk that applies the rules over them.
/// </summary>
internal sealed class ActivationSession : IAsyncDisposable
{
    private ActivationSession(OpenStore store, ActivationDesk desk, string settingsSources)
    {
        Store = store;
        Desk = desk;
        SettingsSources = settingsSources;
    }

    public OpenStore Store { get; }

    public ActivationDesk Desk { get; }

    /// <summary>Gets where the settings were read from, for messages about approval.</summary>
    public string SettingsSources { get; }

    /// <summary>Reads the settings and opens the store (a missing SQLite file is created only when <paramref name="createSqlite"/>).</summary>
    public static ActivationSession Open(PromptLibrary library, string[]? configFiles, string? store, bool createSqlite = false)
    {
        var (settings, sources) = ActivationSupport.ReadSettings(configFiles);
        var opened = createSqlite ? StoreSupport.Open(store, createSqlite: true) : ActivationSupport.OpenLiveStore(store);
        return new ActivationSession(opened, PromptActivations.ForLibrary(opened.Activations, library, settings, TimeProvider.System), sources);
    }

    /// <summary>Records a decision; a refused one (its rule, or bad input) is printed as an error and gives <see langword="null"/>, for exit 1.</summary>
    public async Task<PromptActivation?> TryAsync(Func<ActivationDesk, Task<PromptActivation>> decide, TextWriter error)
    {
        try
        {
            return await decide(Desk).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PromptOpsException or ArgumentException)
        {
            error.WriteLine($"error: {ex.Message}");
            return null;
        }
    }

    public ValueTask DisposeAsync() => Store.DisposeAsync();
}
