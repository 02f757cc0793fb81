using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PromptOps.Tests.TestSupport;

/// <summary>
/// An ASP.NET Core app started in the test on a free loopback port, with the dashboard at /promptops over a SQLite store in a
/// temporary folder. Who is signed in is set per request with the X-Test-User and X-Test-Roles headers.
/// </summary>
internal sealed partial class DashboardHost : IAsyncDisposable
{
    public const string OperatorsPolicy = "operators";

    private readonly WebApplication _app;
    private readonly string _folder;

    private DashboardHost(WebApplication app, string folder, Uri address)
    {
        _app = app;
        _folder = folder;
        Address = address;
        Client = NewClient();
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public string StorePath => Path.Combine(_folder, "calls.db");

    public static async Task<DashboardHost> StartAsync(
        Action<PromptOpsDashboardOptions>? dashboard = null,
        Action<IServiceCollection>? services = null,
        bool store = true,
        bool antiforgery = true,
        string? pathBase = null,
        string? postgres = null)
    {
        var folder = Directory.CreateTempSubdirectory("promptops-dashboard-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var promptOps = builder.Services.AddPromptOps(o => o.Environments["production"] = new PromptOpsEnvironmentOptions { RequireApproval = true })
            .AddPromptDirectory(RepositoryPaths.Prompts);
        if (postgres is not null)
        {
            promptOps.AddPostgreSqlStore(postgres);
        }
        else if (store)
        {
            promptOps.AddSqliteStore($"Data Source={Path.Combine(folder, "calls.db")}");
        }

        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>("Test", null);
        builder.Services.AddAuthorization(o => o.AddPolicy(OperatorsPolicy, p => p.RequireAuthenticatedUser().RequireRole("operator")));
        if (antiforgery)
        {
            builder.Services.AddAntiforgery();
        }

        services?.Invoke(builder.Services);
        var app = builder.Build();
        if (pathBase is not null)
        {
            app.UsePathBase(pathBase);
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.MapPromptOpsDashboard("/promptops", dashboard ?? (o => o.ActionsPolicy = OperatorsPolicy));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardHost(app, folder, new Uri(address));
    }

    /// <summary>A client with its own cookies, which does not follow redirects.</summary>
    public HttpClient NewClient() => new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = Address };

    /// <summary>Writes records to the store the way the pipeline does (through its sinks).</summary>
    public async Task WriteAsync(params PromptCallRecord[] records)
    {
        foreach (var sink in Services.GetServices<IPromptCallSink>())
        {
            await sink.WriteBatchAsync(records, CancellationToken.None);
        }
    }

    /// <summary>Gets a page as a user (or anonymously).</summary>
    public static async Task<(HttpStatusCode Status, string Html)> GetAsync(HttpClient client, string path, string? user = null, string? roles = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        SignIn(request, user, roles);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Posts an action form as a user, with the antiforgery token a page gave that user (or none).</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, Dictionary<string, string> fields, string? user = null, string? roles = null, string? token = null)
    {
        var form = new Dictionary<string, string>(fields);
        if (token is not null)
        {
            form["__RequestVerificationToken"] = token;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        SignIn(request, user, roles);
        return await client.SendAsync(request);
    }

    /// <summary>The antiforgery token in a page's forms.</summary>
    public static string Token(string html) => AntiforgeryField().Match(html) is { Success: true } match
        ? WebUtility.HtmlDecode(match.Groups[1].Value)
        : throw new InvalidOperationException("The page has no form with an antiforgery token.");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void SignIn(HttpRequestMessage request, string? user, string? roles)
    {
        if (user is not null)
        {
            request.Headers.Add("X-Test-User", user);
        }

        if (roles is not null)
        {
            request.Headers.Add("X-Test-Roles", roles);
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>Signs in whoever the X-Test-User header names, in the roles X-Test-Roles lists.</summary>
    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers["X-Test-User"].ToString() is not { Length: > 0 } user)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var claims = new List<Claim> { new(ClaimTypes.Name, user) };
            claims.AddRange(Request.Headers["X-Test-Roles"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => new Claim(ClaimTypes.Role, r)));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, "Test")), "Test")));
        }
    }
}
