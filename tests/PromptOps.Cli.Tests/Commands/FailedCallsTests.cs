using System.ClientModel;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PromptOps.Tests;
using Turn = PromptOps.Tests.OpenAiTestServer.Turn;

namespace PromptOps.Cli.Tests.Commands;

/// <summary>
/// Calls the provider answered with 429 and 500, made through the official OpenAI client over HTTP and recorded in a SQLite
/// store with the default (redacted) content capture: the CLI shows them as failed, with their error and no charge, never
/// as unpriced or as content that capture left out.
/// </summary>
public sealed class FailedCallsTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [Fact]
    public async Task Calls_ProviderAnswered429And500_ShowsFailedCallsWithTheirErrorAndNoCharge()
    {
        var store = await RecordAsync(Turn.Error(429, "Rate limit reached for gpt-4o-mini."), Turn.Error(500, "The server had an error."), Turn.Text("Fine."));

        var (listed, table, _) = CliRunner.Run("calls", "--store", store, "--failed");
        var (shown, detail, _) = CliRunner.Run("calls", "--store", store, "--request", "req-429");
        var (reported, report, _) = CliRunner.Run("report", "--store", store);

        Assert.Equal((0, 0, 0), (listed, shown, reported));
        Assert.DoesNotContain("unpriced", table, StringComparison.Ordinal);
        Assert.Contains("2 call(s), newest first", table, StringComparison.Ordinal);
        Assert.Contains("Request req-429: 1 call(s), $0.0000, 1 failed", detail, StringComparison.Ordinal);
        Assert.Contains("cost           none (the call failed before the provider reported usage)", detail, StringComparison.Ordinal);
        Assert.Contains("429", detail, StringComparison.Ordinal);
        Assert.Contains("output         (none: the call failed)", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("not captured", detail, StringComparison.Ordinal);

        // The OpenAI client's error message has several lines: each stays indented under its label.
        Assert.Contains("\n", detail.Split("  error")[1].Split("\n  input")[0].TrimEnd(), StringComparison.Ordinal);
        Assert.All(detail.ReplaceLineEndings("\n").Split('\n').Where(l => l.Length > 0), l => Assert.True(l.StartsWith("Request ", StringComparison.Ordinal) || l.StartsWith("Call ", StringComparison.Ordinal) || l.StartsWith(' '), $"unindented line: {l}"));
        Assert.DoesNotContain("unpriced", report, StringComparison.Ordinal);
    }

    /// <summary>Makes one call per turn (request ids req-429, req-500, req-ok) and returns the store's path.</summary>
    private async Task<string> RecordAsync(params Turn[] turns)
    {
        var path = Path.Combine(_cli.Root, "calls.db");
        using var server = new OpenAiTestServer(turns);
        var services = new ServiceCollection().AddLogging();
        services.AddPromptOps().AddSqliteStore($"Data Source={path}");
        services.AddChatClient(server.ChatClient("gpt-4o-mini")).UsePromptOps();
        await using (var provider = services.BuildServiceProvider())
        {
            var client = provider.GetRequiredService<IChatClient>();
            foreach (var requestId in new[] { "req-429", "req-500", "req-ok" })
            {
                using var context = PromptOpsContext.Begin(feature: "support", requestId: requestId);
                try
                {
                    await client.GetResponseAsync("Where is my order?");
                }
                catch (ClientResultException)
                {
                }
            }

            await provider.GetRequiredService<ICallRecordDispatcher>().FlushAsync();
        }

        return path;
    }
}
