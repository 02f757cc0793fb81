using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Sqlite;

/// <summary>
/// A real SQLite store that another connection locks, or that is deleted, while calls run: calls wait at most the
/// ledger timeout (and not at all for the call records), no budget is let through unchecked, and what was spent reaches
/// the ledger afterwards.
/// </summary>
public sealed class SqliteStoreFaultTests
{
    [Fact]
    public async Task GetResponseAsync_FileLockedLongerThanTheTimeout_CallsStayFastBudgetHoldsAndSpendIsReconciled()
    {
        using var temp = new TempStore();
        await using var pipeline = Create(temp, limitUsd: 100m);
        var failSafe = Assert.IsType<FailSafeSpendLedger>(pipeline.Services.GetRequiredService<PromptOpsCallServices>().SpendLedger);
        await CallAsync(pipeline); // $10 reaches the ledger before the lock

        var slowest = TimeSpan.Zero;
        var succeeded = 1;
        using (var holder = new SqliteConnection(temp.ConnectionString))
        {
            holder.Open();
            using var exclusive = holder.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
            await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
            {
                var watch = Stopwatch.StartNew();
                if (await CallAsync(pipeline))
                {
                    Interlocked.Increment(ref succeeded);
                }

                lock (temp)
                {
                    slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
                }
            });

            Assert.True(failSafe.IsDegraded);
            exclusive.Rollback();
        }

        Assert.Equal(10, succeeded); // the $100 budget holds while the ledger cannot be written
        // Without the fail-safe front a call waited up to the 5 s busy timeout; the bound leaves room for a loaded test host.
        Assert.True(slowest < TimeSpan.FromSeconds(3), $"the slowest call took {slowest} (the SQLite busy timeout is 5 s)");

        Assert.True(await failSafe.ReconcileAsync());
        Assert.Equal(100L * 1_000_000_000, temp.Scalar("SELECT SUM(spent_nanousd) FROM spend_ledger"));
        Assert.False(await CallAsync(pipeline)); // and the fleet's ledger now refuses too
    }

    [Fact]
    public async Task GetResponseAsync_StoreFileDeletedMidPeriod_LogsItAndKeepsThePeriodsSpend()
    {
        using var temp = new TempStore();
        await using var pipeline = Create(temp, limitUsd: 100m);
        for (var i = 0; i < 6; i++)
        {
            Assert.True(await CallAsync(pipeline));
        }

        // The records are written first: this test is about the ledger, and a record batch written while the files are
        // being deleted would race the deletion (WriteBatchAsync_FileDeletedWhileRunning covers the writer).
        await pipeline.RecordsAsync();
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(temp.Directory))
        {
            File.Delete(file);
        }

        var succeeded = 0;
        for (var i = 0; i < 10; i++)
        {
            if (await CallAsync(pipeline))
            {
                succeeded++;
            }
        }

        var failSafe = (FailSafeSpendLedger)pipeline.Services.GetRequiredService<PromptOpsCallServices>().SpendLedger;
        Assert.True(await failSafe.ReconcileAsync());
        var log = string.Join("\n", pipeline.Logs.GetSnapshot().Select(l => $"{l.Id.Id} {l.Message}"));
        Assert.True(succeeded == 4, $"{succeeded} calls succeeded; the log said:\n{log}"); // $60 spent before the deletion are not forgotten
        var spent = temp.Scalar("SELECT SUM(spent_nanousd) FROM spend_ledger");
        Assert.True(spent == 100L * 1_000_000_000, $"The ledger holds {spent} nano-USD; the log said:\n{log}");
        Assert.Contains(pipeline.Logs.GetSnapshot(), l => l.Id.Id == 2423);
        Assert.Equal("ok", temp.Text("PRAGMA integrity_check"));
    }

    [Fact]
    public async Task GetResponseAsync_RecordStoreLockedForSeconds_CallsAreNotHeldUpAndRecordsArriveAfterwards()
    {
        using var temp = new TempStore();
        await using var pipeline = Pipeline.Create(
            Fakes.Replying(usage: new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 }, latency: TimeSpan.FromMilliseconds(5)),
            configure: o => (o.Calls.WriteRetries, o.Calls.RetryDelay, o.Calls.QueueCapacity) = (10, TimeSpan.FromMilliseconds(50), 1_000_000),
            services: s => s.AddPromptOps().AddSqliteStore(temp.ConnectionString));
        await pipeline.Client.GetResponseAsync("warm up");
        await pipeline.RecordsAsync();

        var slowest = TimeSpan.Zero;
        using (var holder = new SqliteConnection(temp.ConnectionString))
        {
            holder.Open();
            using var exclusive = holder.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(6);
            await Parallel.ForEachAsync(Enumerable.Range(0, 8), async (_, ct) =>
            {
                while (DateTime.UtcNow < until)
                {
                    var watch = Stopwatch.StartNew();
                    await pipeline.Client.GetResponseAsync("hi", cancellationToken: ct);
                    lock (temp)
                    {
                        slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
                    }
                }
            });
            exclusive.Rollback();
        }

        // The writer waits up to 5 s per attempt on the locked file, on the dispatcher's worker; calls never wait for it.
        // (The bound is loose: a test host on two cores, beside other test processes, stalls calls for a second or two
        // now and then, store or not; a call that waited for the store would wait for the whole 6 s lock.)
        Assert.True(slowest < TimeSpan.FromSeconds(4), $"the slowest call took {slowest} while the store was locked for 6 s");
        var records = await pipeline.RecordsAsync();
        Assert.Equal(0, pipeline.Dispatcher.DroppedCount);
        Assert.Equal(0, pipeline.Dispatcher.SinkErrorCount);
        Assert.Equal(records.Count, temp.Scalar("SELECT COUNT(*) FROM calls"));
    }

    [Fact]
    public async Task GetResponseAsync_DiskFullUnderTheStore_BudgetHoldsAndSpendIsReconciledWhenSpaceReturns()
    {
        // A real full disk: a small tmpfs filled to the last byte (needs the right to mount, as root in CI).
        using var disk = SmallDisk.TryMount(4 * 1024 * 1024);
        if (disk is null)
        {
            return; // this machine cannot mount a tmpfs; the locked-file and failing-ledger tests cover the same paths
        }

        var store = new TempStore(disk.Path);
        await using var pipeline = Create(store, limitUsd: 100m);
        var failSafe = (FailSafeSpendLedger)pipeline.Services.GetRequiredService<PromptOpsCallServices>().SpendLedger;
        Assert.True(await CallAsync(pipeline));

        disk.Fill();
        var succeeded = 1;
        for (var i = 0; i < 15; i++)
        {
            if (await CallAsync(pipeline))
            {
                succeeded++;
            }
        }

        Assert.True(failSafe.IsDegraded, "the ledger kept answering on a full disk");
        Assert.Equal(10, succeeded);

        disk.Free();
        Assert.True(await failSafe.ReconcileAsync());
        Assert.Equal(100L * 1_000_000_000, store.Scalar("SELECT SUM(spent_nanousd) FROM spend_ledger"));
    }

    private static async Task<bool> CallAsync(Pipeline pipeline)
    {
        try
        {
            await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], SpendPrices.Options());
            return true;
        }
        catch (SpendBudgetExceededException)
        {
            return false;
        }
    }

    private static Pipeline Create(TempStore temp, decimal limitUsd) => Pipeline.Create(
        Fakes.Replying(usage: new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 }),
        configure: o =>
        {
            SpendPrices.Configure(o);
            o.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = limitUsd };
        },
        services: s => s.AddPromptOps().AddSqliteStore(temp.ConnectionString));

    /// <summary>A tmpfs of a few megabytes, mounted for one test and removed afterwards.</summary>
    private sealed class SmallDisk : IDisposable
    {
        private SmallDisk(string path) => Path = path;

        public string Path { get; }

        private string Filler => System.IO.Path.Combine(Path, "filler");

        public static SmallDisk? TryMount(int bytes)
        {
            var path = Directory.CreateTempSubdirectory("promptops-full-").FullName;
            return Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", path) ? new SmallDisk(path) : null;
        }

        /// <summary>Writes a file until the disk refuses another byte.</summary>
        public void Fill()
        {
            using var filler = new FileStream(Filler, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
            var chunk = new byte[64 * 1024];
            foreach (var size in new[] { chunk.Length, 4096, 1 })
            {
                try
                {
                    while (true)
                    {
                        filler.Write(chunk, 0, size);
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        public void Free() => File.Delete(Filler);

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            Run("umount", "-l", Path);
            Directory.Delete(Path, recursive: true);
        }

        private static bool Run(string command, params string[] arguments)
        {
            try
            {
                var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (var argument in arguments)
                {
                    start.ArgumentList.Add(argument);
                }

                using var process = Process.Start(start)!;
                process.WaitForExit();
                return process.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }
}
