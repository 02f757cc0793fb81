using BenchmarkDotNet.Running;
using PromptOps.Benchmarks;

if (args.Contains("--loop"))
{
    return LoopRunner.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
