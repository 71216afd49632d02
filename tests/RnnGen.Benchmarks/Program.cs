using System;
using System.Linq;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace RnnGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/RnnGen.Benchmarks -- --filter '*'</c> runs every benchmark
/// (BenchmarkDotNet's command line: --filter, --list flat, ...); add <c>--cpu-time</c> to time by the thread's CPU
/// time, in process, on a machine that other work keeps busy. <c>-- --verify</c> only checks that every generated
/// model agrees with its naive twin; <c>-- --calibrate</c> tells how busy the machine is; <c>-- --loop Gru 32</c> times
/// the batch methods of one model by a plain Stopwatch (<see cref="StopwatchLoop"/>). docs/benchmarks.md has the
/// figures and how to read them.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "--verify")
        {
            return Verification.Run(Console.Out) ? 0 : 1;
        }

        if (args.Length == 1 && args[0] == "--calibrate")
        {
            Calibration.Run(Console.Out);
            return 0;
        }

        if (args.Length == 3 && args[0] == "--loop")
        {
            StopwatchLoop.Run(Enum.Parse<Cell>(args[1], ignoreCase: true), int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), Console.Out);
            return 0;
        }

        bool cpuTime = args.Contains("--cpu-time");
        string[] benchmarkArgs = args.Where(a => a != "--cpu-time").ToArray();
        Summary[] summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(benchmarkArgs, BenchmarkConfig.Create(cpuTime)).ToArray();
        bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        return failed ? 1 : 0;
    }
}
