using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Benchmarks;

/// <summary>
/// <c>--fleet-latency [--seconds S]</c>: what a shared PostgreSQL spend budget adds to each call's latency (reserve before the
/// call, settle after it), with 1, 4 and 8 instances of an application (each its own ledger and connection pool, in this
/// process) sharing one budget on a local server, 4 callers per instance. Two budgets: one far from its limit (the common
/// case) and one that runs out during the run (its last slices and the refusals). Prints p50, p99 and how many calls had
/// to wait for the database.
/// </summary>
internal static class FleetLatency
{
    private static readonly SpendBucket Bucket = new("daily", "*", new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));

    public static int Run(string[] args)
    {
        var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(a => double.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(5);
        var server = PostgresServer.StartAsync().GetAwaiter().GetResult();
        try
        {
            Console.WriteLine($"PromptOps PostgreSQL spend ledger, added latency per call (reserve + settle), {seconds:0.#} s per row, 4 callers per instance, local PostgreSQL 15");
            Console.WriteLine();
            Console.WriteLine("| Budget | Instances | Calls let through | p50 (µs) | p99 (µs) | Calls refused | p50 (µs) | p99 (µs) | Waited for the database |");
            Console.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var (name, limit) in new[] { ("far from its limit", 1_000_000m), ("runs out during the run", 40m) })
            {
                foreach (var instances in new[] { 1, 4, 8 })
                {
                    var row = Measure(server, instances, limit, seconds).GetAwaiter().GetResult();
                    Console.WriteLine($"| {name} | {instances} | {row.Granted.Count:N0} | {P(row.Granted, 0.5)} | {P(row.Granted, 0.99)} | {row.Refused.Count:N0} | {P(row.Refused, 0.5)} | {P(row.Refused, 0.99)} | {row.Waited:P1} |");
                }
            }
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return 0;
    }

    private static string P(List<double> sorted, double share) =>
        sorted.Count == 0 ? "-" : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * share))].ToString("N0", CultureInfo.InvariantCulture);

    private static async Task<(List<double> Granted, List<double> Refused, double Waited)> Measure(PostgresServer server, int instances, decimal limit, double seconds)
    {
        var connectionString = await server.CreateDatabaseAsync();
        var databases = Enumerable.Range(0, instances).Select(_ => new PostgreSqlDatabase(NpgsqlDataSource.Create(connectionString), ownsDataSource: true, "promptops", migrate: true)).ToList();
        foreach (var database in databases)
        {
            await database.EnsureSchemaAsync();
        }

        var ledgers = databases.Select(d => new PostgreSqlSpendLedger(d, TimeSpan.FromSeconds(30), new FixedOptions(), TimeProvider.System)).ToList();
        foreach (var ledger in ledgers)
        {
            await ledger.WarmUpAsync(CancellationToken.None);
        }

        var samples = new List<double>[instances * 4];
        var refusals = new List<double>[instances * 4];
        var stop = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, instances * 4).Select(c => Task.Run(async () =>
        {
            var ledger = ledgers[c / 4];
            var mine = samples[c] = new List<double>(100_000);
            var refused = refusals[c] = new List<double>(100_000);
            for (var i = 0; stop.Elapsed.TotalSeconds < seconds; i++)
            {
                var id = $"{c}-{i}";
                var started = Stopwatch.GetTimestamp();
                var result = await ledger.TryReserveAsync(new SpendReservationRequest(id, 0.01m, [new SpendClaim(Bucket, limit)], DateTimeOffset.UtcNow.AddMinutes(30)));
                if (result.Reserved)
                {
                    await ledger.SettleAsync(id, [Bucket], 0.01m);
                }

                (result.Reserved ? mine : refused).Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                await Task.Yield();
            }
        })).ToList();
        await Task.WhenAll(callers);
        var granted = samples.SelectMany(s => s).Order().ToList();
        var refusedAll = refusals.SelectMany(s => s).Order().ToList();
        var waited = ledgers.Sum(l => l.Waits);
        foreach (var ledger in ledgers)
        {
            await ledger.DisposeAsync();
        }

        foreach (var database in databases)
        {
            await database.DisposeAsync();
        }

        return (granted, refusedAll, (double)waited / (granted.Count + refusedAll.Count));
    }

    private sealed class FixedOptions : IOptionsMonitor<PromptOpsOptions>
    {
        public PromptOpsOptions CurrentValue { get; } = new();

        public PromptOpsOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<PromptOpsOptions, string?> listener) => null;
    }
}
