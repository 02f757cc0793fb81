using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace PromptOps.Benchmarks;

/// <summary>
/// Runs one benchmark method in a plain loop, for profilers: <c>--loop MiddlewareBenchmarks.PromptOps [--calls N] [--rounds R]</c>.
/// The class is set up as BenchmarkDotNet sets it up (<c>[GlobalSetup]</c>, and <c>[IterationSetup]</c> before every call,
/// outside the timing), so the loop times exactly what the benchmark times. It prints the fastest and median round per call,
/// the bytes allocated and the collections and GC pause time per call. Numbers from it locate time; the reported ratios come
/// from BenchmarkDotNet.
/// </summary>
internal static class LoopRunner
{
    public static int Run(string[] args)
    {
        var target = Option(args, "--loop");
        var parts = target?.Split('.') ?? [];
        var type = parts.Length == 2 ? typeof(LoopRunner).Assembly.GetType($"{typeof(LoopRunner).Namespace}.{parts[0]}") : null;
        var method = type?.GetMethod(parts[1], BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        if (type is null || method?.GetCustomAttribute<BenchmarkAttribute>() is null)
        {
            Console.Error.WriteLine($"'{target}' is not a benchmark. Give --loop Class.Method, for example --loop MiddlewareBenchmarks.PromptOps.");
            return 2;
        }

        var calls = int.Parse(Option(args, "--calls") ?? "100000", CultureInfo.InvariantCulture);
        var rounds = int.Parse(Option(args, "--rounds") ?? "5", CultureInfo.InvariantCulture);
        var instance = Activator.CreateInstance(type)!;
        Invoke<GlobalSetupAttribute>(instance);
        var perIteration = Marked<IterationSetupAttribute>(type).Length > 0;

        // A delegate, not MethodInfo.Invoke: reflection would add about 100 ns to every call.
        var call = method.ReturnType == typeof(void)
            ? method.CreateDelegate<Action>(instance)
            : (Action)typeof(LoopRunner).GetMethod(nameof(Caller), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(method.ReturnType).Invoke(null, [method, instance])!;

        // Warm-up: enough calls for the JIT to optimise the code under test.
        for (var i = 0; i < Math.Min(calls, 20_000); i++)
        {
            Invoke<IterationSetupAttribute>(instance);
            call();
        }

        var perCall = new List<double>();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        for (var round = 0; round < rounds; round++)
        {
            var elapsed = TimeSpan.Zero;
            if (!perIteration)
            {
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < calls; i++)
                {
                    call();
                }

                elapsed = Stopwatch.GetElapsedTime(start);
            }
            else
            {
                // Each call gets its own setup, outside the timing, as BenchmarkDotNet's [IterationSetup] does.
                for (var i = 0; i < calls; i++)
                {
                    Invoke<IterationSetupAttribute>(instance);
                    var start = Stopwatch.GetTimestamp();
                    call();
                    elapsed += Stopwatch.GetElapsedTime(start);
                }
            }

            perCall.Add(elapsed.TotalNanoseconds / calls);
        }

        var total = (double)calls * rounds;
        perCall.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target}: fastest round {perCall[0]:F0} ns, median {perCall[perCall.Count / 2]:F0} ns per call; {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / total:F0} B allocated; "
            + $"collections gen0 {GC.CollectionCount(0) - gen0}, gen1 {GC.CollectionCount(1) - gen1}, gen2 {GC.CollectionCount(2) - gen2}; GC pause {(GC.GetTotalPauseDuration() - paused).TotalNanoseconds / total:F0} ns per call"));
        Invoke<GlobalCleanupAttribute>(instance);
        return 0;
    }

    /// <summary>Calls the benchmark and waits for it when it returns a task, as BenchmarkDotNet does.</summary>
    private static Action Caller<TResult>(MethodInfo method, object instance)
    {
        var benchmark = method.CreateDelegate<Func<TResult>>(instance);
        return () =>
        {
            if (benchmark() is Task task)
            {
                task.GetAwaiter().GetResult();
            }
        };
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static MethodInfo[] Marked<TAttribute>(Type type)
        where TAttribute : Attribute => [.. type.GetMethods().Where(m => m.GetCustomAttribute<TAttribute>() is not null)];

    /// <summary>Runs the benchmark's methods marked <typeparamref name="TAttribute"/> (its setups and cleanups).</summary>
    private static void Invoke<TAttribute>(object instance)
        where TAttribute : Attribute
    {
        foreach (var method in Marked<TAttribute>(instance.GetType()))
        {
            method.Invoke(instance, null);
        }
    }
}
