using BenchmarkDotNet.Running;
using PromptOps.Benchmarks;

if (args.Contains("--fleet-latency"))
{
    return FleetLatency.Run(args);
}

if (args.Contains("--loop"))
{
    return LoopRunner.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
