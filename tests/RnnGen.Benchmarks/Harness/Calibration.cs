using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;

namespace RnnGen.Benchmarks;

/// <summary>
/// How busy the machine is: a dependent chain of scalar fused multiply-adds, whose latency is fixed by the core
/// (4 cycles, ≈ 1.34 ns on a quiet machine per shared/PERFORMANCE.md), timed by the wall clock and by the thread's
/// CPU time. Their ratio to 1.34 ns says how much other work inflates each clock's figures right now.
/// </summary>
public static class Calibration
{
    private const int ChainLength = 50_000_000;

    /// <summary>The <c>--calibrate</c> mode: five chains, one line each.</summary>
    public static void Run(TextWriter output)
    {
        Chain(1_000_000, 0.999f);
        for (int run = 0; run < 5; run++)
        {
            long cpuStart = ThreadCpuClock.Instance.GetTimestamp();
            long wallStart = Stopwatch.GetTimestamp();
            float result = Chain(ChainLength, 0.999f);
            double wall = Stopwatch.GetElapsedTime(wallStart).TotalNanoseconds / ChainLength;
            double cpu = (ThreadCpuClock.Instance.GetTimestamp() - cpuStart) / (double)ChainLength;
            output.WriteLine($"dependent FMA: {wall:F2} ns wall clock, {cpu:F2} ns CPU time (quiet machine: 1.34 ns) [{result:F1}]");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain(int length, float x)
    {
        float a = 1f;
        for (int i = 0; i < length; i++)
        {
            a = MathF.FusedMultiplyAdd(a, x, 0.5f);
        }

        return a;
    }
}
