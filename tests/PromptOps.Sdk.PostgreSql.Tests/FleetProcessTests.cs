using System.Globalization;
using Microsoft.Extensions.AI;
using PromptOps.Tests.TestSupport;
using Xunit.Abstractions;

namespace PromptOps.Tests.PostgreSql;

/// <summary>Several OS processes of one application sharing one PostgreSQL store (tests/PromptOps.Sdk.Tests.Worker).</summary>
[Collection(FleetProcesses.Name)]
public sealed class FleetProcessTests(ITestOutputHelper output)
{
    private const int OutputTokens = 200;
    private const decimal InputPerToken = 2.5m / 1_000_000m;
    private const decimal OutputPerToken = 10m / 1_000_000m;

    /// <summary>What one burst call costs: the worker's provider reports the input PromptOps estimates and all the output allowed.</summary>
    private static readonly decimal CallCost = (TiktokenTokenCounter.Shared.EstimateInputTokens(
        [new ChatMessage(ChatRole.System, "You are helpful."), new ChatMessage(ChatRole.User, "Where is my order 10023?")],
        new ChatOptions { ModelId = "gpt-4o", MaxOutputTokens = OutputTokens },
        "gpt-4o") * InputPerToken) + (OutputTokens * OutputPerToken);

    [Fact]
    public async Task GetResponseAsync_FourProcessesWithHundredConcurrentCallsEach_AtMostTheHundredTheBudgetAllowsSucceed()
    {
        await using var pg = await PgStore.CreateAsync();
        var start = StartFile();
        var workers = Enumerable.Range(0, 4).Select(_ => Burst(pg, start, calls: 100, providerDelayMs: 200)).ToList();

        foreach (var worker in workers)
        {
            await worker.WaitForLineAsync("ready", TimeSpan.FromSeconds(60));
        }

        File.WriteAllText(start, "go");
        var succeeded = 0L;
        var logged = new List<string>();
        foreach (var worker in workers)
        {
            var (numbers, events) = await worker.ResultAsync();
            succeeded += numbers[0];
            logged.Add(events);
        }

        output.WriteLine($"{succeeded} of the 100 calls the budget allows succeeded across 4 processes firing 100 at once each ({400 - succeeded} refused).");
        Assert.True(succeeded is >= 95 and <= 100, $"{succeeded} calls succeeded; the workers logged: {string.Join(" | ", logged)}");
        var spent = await pg.ScalarAsync("SELECT spent_nanousd FROM promptops.spend_ledger");
        Assert.True(spent <= PostgreSqlDatabase.RoundUpToNanoUsd(100 * CallCost), $"the ledger shows {spent} nano-USD spent of a {100 * CallCost} USD budget");
        Assert.Equal(PostgreSqlDatabase.ToNanoUsd(succeeded * CallCost), spent);
        Assert.Equal(succeeded, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.calls WHERE success"));
        Assert.Equal(0, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.spend_leases"));
    }

    [Fact]
    public async Task GetResponseAsync_BurstOfThousandFromFourProcesses_BetweenNinetyFiveAndHundredSucceed()
    {
        await using var pg = await PgStore.CreateAsync();
        var start = StartFile();
        var workers = Enumerable.Range(0, 4).Select(_ => Burst(pg, start, calls: 250)).ToList();

        foreach (var worker in workers)
        {
            await worker.WaitForLineAsync("ready", TimeSpan.FromSeconds(60));
        }

        File.WriteAllText(start, "go");
        var succeeded = 0L;
        foreach (var worker in workers)
        {
            succeeded += (await worker.ResultAsync()).Numbers[0];
        }

        output.WriteLine($"{succeeded} of 1,000 calls from 4 processes succeeded against a budget for 100.");
        Assert.InRange(succeeded, 95, 100);
        Assert.True(await pg.ScalarAsync("SELECT spent_nanousd FROM promptops.spend_ledger") <= PostgreSqlDatabase.RoundUpToNanoUsd(100 * CallCost));
    }

    [Fact]
    public async Task GetResponseAsync_OneProcessKilledWhileHoldingTheBudget_TheOthersGetAllOfItAfterTheLeaseExpires()
    {
        await using var pg = await PgStore.CreateAsync();
        var start = StartFile();
        File.WriteAllText(start, "go");

        // The victim's provider answers after a minute: its hundred calls hold the whole budget when it is killed.
        var victim = Burst(pg, start, calls: 100, leaseSeconds: 15, providerDelayMs: 60_000);
        await victim.WaitForLineAsync("held", TimeSpan.FromSeconds(60));
        await WaitForAsync(pg, "SELECT COALESCE(SUM(amount_nanousd), 0) FROM promptops.spend_leases", held => held >= PostgreSqlDatabase.ToNanoUsd(99 * CallCost));
        victim.Kill();

        // While its lease lasts, the budget is held: nobody else may spend it. (On a host so loaded that this process took
        // longer to run than the lease lasts, it may spend what the expiry freed; the totals below still hold.)
        var during = (await Burst(pg, start, calls: 20, leaseSeconds: 3).ResultAsync()).Numbers[0];
        var leaseStillLive = await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.spend_leases WHERE expires_at > now()") > 0;
        if (leaseStillLive)
        {
            Assert.Equal(0, during);
        }

        await WaitForAsync(pg, "SELECT COUNT(*) FROM promptops.spend_leases WHERE expires_at > now()", live => live == 0);
        var survivors = Enumerable.Range(0, 3).Select(_ => Burst(pg, start, calls: 100, leaseSeconds: 3)).ToList();
        var succeeded = 0L;
        foreach (var survivor in survivors)
        {
            succeeded += (await survivor.ResultAsync()).Numbers[0];
        }

        output.WriteLine($"During the dead process's lease {during} call(s) ran (lease still live afterwards: {leaseStillLive}); after it expired, the 3 survivors ran {succeeded}: {during + succeeded} of the 100 calls the budget allows.");
        Assert.Equal(100, during + succeeded);
        Assert.Equal(PostgreSqlDatabase.ToNanoUsd(100 * CallCost), await pg.ScalarAsync("SELECT spent_nanousd FROM promptops.spend_ledger"));
        Assert.Equal(0, await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.spend_leases"));
    }

    [Fact]
    public async Task WriteBatchAsync_HundredThousandRecordsFromFourProcesses_EveryRowIsPresentOrCounted()
    {
        await using var pg = await PgStore.CreateAsync();
        var start = StartFile();
        var workers = Enumerable.Range(0, 4).Select(_ => WorkerProcess.Start("records", pg.ConnectionString, "25000", start)).ToList();

        foreach (var worker in workers)
        {
            await worker.WaitForLineAsync("ready", TimeSpan.FromSeconds(60));
        }

        File.WriteAllText(start, "go");
        long made = 0, lost = 0;
        foreach (var worker in workers)
        {
            var (numbers, _) = await worker.ResultAsync();
            made += numbers[0];
            lost += numbers[1];
        }

        var rows = await pg.ScalarAsync("SELECT COUNT(*) FROM promptops.calls");
        var distinct = await pg.ScalarAsync("SELECT COUNT(DISTINCT request_id) FROM promptops.calls");
        output.WriteLine($"{made} calls in 4 processes: {rows} rows stored, {lost} counted as dropped or lost.");
        Assert.Equal(100_000, made);
        Assert.Equal(made, rows + lost);
        Assert.Equal(rows, distinct);
    }

    private static WorkerProcess Burst(PgStore pg, string start, int calls, double leaseSeconds = 30, int providerDelayMs = 2) => WorkerProcess.Start(
        "budget-burst",
        pg.ConnectionString,
        (100 * CallCost).ToString(CultureInfo.InvariantCulture),
        calls.ToString(CultureInfo.InvariantCulture),
        start,
        "false",
        "1000",
        leaseSeconds.ToString(CultureInfo.InvariantCulture),
        providerDelayMs.ToString(CultureInfo.InvariantCulture));

    private static string StartFile() => Path.Combine(Path.GetTempPath(), "promptops-start-" + Guid.NewGuid().ToString("N"));

    private static async Task WaitForAsync(PgStore pg, string sql, Func<long, bool> condition)
    {
        for (var i = 0; i < 300; i++)
        {
            if (condition(await pg.ScalarAsync(sql)))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"'{sql}' did not reach the expected value within 30 seconds.");
    }
}

/// <summary>The process tests run one at a time: each starts several .NET processes on a two-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FleetProcesses
{
    public const string Name = "PostgreSQL fleet processes";
}
