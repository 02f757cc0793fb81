using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace PromptOps.Tests.TestSupport;

/// <summary>
/// A throwaway PostgreSQL server for tests: <c>initdb</c> into a temporary folder and <c>pg_ctl</c> on a free loopback port,
/// removed afterwards. As root (CI) it runs as the unprivileged <c>postgres</c> user that Debian's package creates, since
/// PostgreSQL refuses to run as root. <c>PROMPTOPS_TEST_POSTGRES</c> (a connection string to a server whose user may create
/// databases) points the tests at an existing server instead. Each test takes its own database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The environment variable naming an existing server to use instead of starting one.</summary>
    public const string ExistingServerVariable = "PROMPTOPS_TEST_POSTGRES";

    /// <summary>The password of the <c>postgres</c> user on a server the tests start.</summary>
    public const string Password = "promptops-test";

    private static readonly SemaphoreSlim SharedLock = new(1, 1);
    private static PostgresServer? _shared;

    private readonly string? _directory;
    private readonly string? _binaries;
    private readonly string _adminConnectionString;
    private int _databases;

    private PostgresServer(string adminConnectionString, string? directory, string? binaries, int port)
    {
        _adminConnectionString = adminConnectionString;
        _directory = directory;
        _binaries = binaries;
        Port = port;
    }

    /// <summary>Gets the loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>Gets whether this server was started by the tests (so they may stop and restart it).</summary>
    public bool IsOwned => _directory is not null;

    /// <summary>Gets the server shared by every test of the process, starting it on first use; stopped when the process exits.</summary>
    public static async Task<PostgresServer> SharedAsync()
    {
        await SharedLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_shared is null)
            {
                var server = await StartAsync().ConfigureAwait(false);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
                _shared = server;
            }

            return _shared;
        }
        finally
        {
            SharedLock.Release();
        }
    }

    /// <summary>Starts a server of the tests' own (or connects to the existing one named by <see cref="ExistingServerVariable"/>).</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ExistingServerVariable) is { Length: > 0 } existing)
        {
            return new PostgresServer(existing, null, null, new NpgsqlConnectionStringBuilder(existing).Port);
        }

        var binaries = FindBinaries();
        var directory = Path.Combine(Path.GetTempPath(), "promptops-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        if (IsRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", directory], asPostgres: false).ConfigureAwait(false);
        }

        var data = Path.Combine(directory, "data");
        var passwordFile = Path.Combine(directory, "password");
        await File.WriteAllTextAsync(passwordFile, Password).ConfigureAwait(false);
        if (IsRoot)
        {
            await RunAsync("chown", ["postgres:postgres", passwordFile], asPostgres: false).ConfigureAwait(false);
        }

        // Connections over TCP need the password (so tests can see a wrong one refused); the socket in the folder is trusted.
        await RunAsync(Path.Combine(binaries, "initdb"), ["-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile", passwordFile, "-E", "UTF8", "--no-locale", "--no-sync"], asPostgres: IsRoot).ConfigureAwait(false);
        var port = LoopbackPort.Free();
        var server = new PostgresServer(
            $"Host=127.0.0.1;Port={port};Username=postgres;Password={Password};Database=postgres;Pooling=false;Timeout=15",
            directory,
            binaries,
            port);
        await server.StartProcessAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "t" + Interlocked.Increment(ref _databases).ToString(CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N")[..10];
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\";", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>Stops the server at once (as a crash or a restart by an operator would), keeping its data.</summary>
    public Task StopAsync() => Ctl("stop", "-m", "immediate", "-w");

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port.</summary>
    public Task StartAgainAsync() => StartProcessAsync();

    public async ValueTask DisposeAsync()
    {
        if (_directory is null)
        {
            return;
        }

        try
        {
            await Ctl("stop", "-m", "immediate", "-w").ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task StartProcessAsync() => Ctl(
        "start",
        "-w",
        "-t",
        "60",
        "-l",
        Path.Combine(_directory!, "server.log"),
        "-o",
        $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB");

    private Task Ctl(params string[] arguments) =>
        RunAsync(Path.Combine(_binaries!, "pg_ctl"), ["-D", Path.Combine(_directory!, "data"), .. arguments], asPostgres: IsRoot);

    private static bool IsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    private static string FindBinaries()
    {
        var candidates = new List<string>();
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin")));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator));
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new InvalidOperationException(
                "PostgreSQL's initdb and pg_ctl were not found (looked in /usr/lib/postgresql/*/bin and PATH). Install Debian's 'postgresql' package "
                + $"(.ci/run does), or set {ExistingServerVariable} to a connection string of a server the tests may create databases on.");
    }

    private static async Task RunAsync(string program, string[] arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : program,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var argument in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
    }
}
