// PromptOps dashboard sample: an ASP.NET Core app that serves the PromptOps dashboard at /promptops over a SQLite store
// holding a month of simulated traffic of an online shop (replayed through the real pipeline at the first start).
//   dotnet run --project samples/Dashboard                    then open http://localhost:5080/promptops
// Reading is open to anyone who can reach the app (a sample); actions (activate, roll back, approve, abort) need the
// "PromptOpsOperators" policy: sign in at /signin?user=alice&role=operator (a demo sign-in, not for production).
using System.Security.Claims;
using Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.AI;
using PromptOps;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://localhost:5080");

var clock = new SimulatedClock();
builder.Services.AddSingleton(clock);
builder.Services.AddSingleton<TimeProvider>(clock);

var storePath = Path.GetFullPath(builder.Configuration["Dashboard:Store"] is { Length: > 0 } store ? store : "dashboard.db");
builder.Services.AddPromptOps(builder.Configuration.GetSection("PromptOps"))
    .AddEmbeddedPrompts(typeof(Program).Assembly)
    .AddSqliteStore($"Data Source={storePath}");
builder.Services.AddChatClient(sp => new SimulatedModel(sp.GetRequiredService<SimulatedClock>()))
    .UseFunctionInvocation()   // runs lookup_order when the model asks for it: one request, several round trips
    .UsePromptOps();
builder.Services.AddSingleton<TrafficSimulator>();

// Who may act: a signed-in user in the "operator" role. The cookie sign-in below stands in for your real identity provider.
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie(o =>
    {
        o.LoginPath = "/signin";
        o.AccessDeniedPath = "/signin";
    });
builder.Services.AddAuthorization(o => o.AddPolicy("PromptOpsOperators", p => p.RequireAuthenticatedUser().RequireRole("operator")));
builder.Services.AddAntiforgery();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();

app.MapPromptOpsDashboard("/promptops", o => o.ActionsPolicy = "PromptOpsOperators");
app.MapGet("/", () => Results.Redirect("/promptops"));
app.MapGet("/signin", async (HttpContext context, string? user, string? role) =>
{
    if (string.IsNullOrWhiteSpace(user))
    {
        return Results.Content("Demo sign-in: /signin?user=alice&role=operator (operators may act on the dashboard), /signin?user=dave (read only).", "text/plain");
    }

    Claim[] claims = [new(ClaimTypes.Name, user), .. role is { Length: > 0 } ? new[] { new Claim(ClaimTypes.Role, role) } : []];
    await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)));
    return Results.Redirect("/promptops/activations");
});
app.MapGet("/signout", async (HttpContext context) =>
{
    await context.SignOutAsync();
    return Results.Redirect("/promptops");
});

await app.StartAsync();
var simulator = app.Services.GetRequiredService<TrafficSimulator>();
var seeded = await simulator.SeedAsync(app.Lifetime.ApplicationStopping);
Console.WriteLine(seeded > 0 ? $"Replayed {seeded:#,0} requests of simulated traffic into {storePath}." : $"Using the records already in {storePath}.");
Console.WriteLine($"Dashboard ready: {string.Join(", ", app.Urls.Select(u => u.TrimEnd('/') + "/promptops"))}");
_ = simulator.RunLiveAsync(app.Lifetime.ApplicationStopping);
await app.WaitForShutdownAsync();
