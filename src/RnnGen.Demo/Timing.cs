using System;
using System.Diagnostics;
using System.Reflection;
using RnnGen.Samples;

namespace RnnGen.Demo;

/// <summary>How long <see cref="JumpDetector.Predict"/> took per sequence.</summary>
/// <param name="FirstCall">The very first call, which includes compiling the method.</param>
/// <param name="Median">The median of the other calls of the progress pass, each timed on its own.</param>
/// <param name="P99">Their 99th percentile.</param>
/// <param name="BestPass">
/// The mean per sequence of the fastest of <paramref name="Rounds"/> further passes over every sequence, each timed
/// as a whole: the best pass is the one least disturbed by whatever else the machine runs.
/// </param>
/// <param name="Rounds">How many passes <paramref name="BestPass"/> chooses from.</param>
/// <param name="AllocatedBytes">Managed bytes the thread allocated during those passes (0: Predict allocates nothing).</param>
/// <param name="RuntimeOptimized">
/// Whether the runtime library that Predict calls (RnnGen.dll) was built with optimizations: a Debug build of it
/// (what a plain <c>dotnet run</c> makes) runs several times slower, so the timings say so.
/// </param>
public sealed record Timing(TimeSpan FirstCall, TimeSpan Median, TimeSpan P99, TimeSpan BestPass, int Rounds, long AllocatedBytes, bool RuntimeOptimized)
{
    /// <summary>
    /// Summarizes the per-call <paramref name="ticks"/> of the first pass, then times <paramref name="rounds"/> more
    /// passes over <paramref name="samples"/> in a tight loop, without a progress display in between.
    /// </summary>
    /// <param name="model">The model, already loaded.</param>
    /// <param name="samples">The sequences.</param>
    /// <param name="ticks">The first pass's <see cref="Stopwatch"/> ticks per call.</param>
    /// <param name="rounds">Passes for the steady-state mean.</param>
    /// <returns>The timings.</returns>
    public static Timing Measure(JumpDetector model, JumpSample[] samples, long[] ticks, int rounds = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ticks.Length, 2);
        long[] rest = ticks[1..];
        Array.Sort(rest);

        Span<float> output = stackalloc float[JumpDetector.OutputLength * JumpDetector.OutputSize];
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        TimeSpan best = TimeSpan.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            long started = Stopwatch.GetTimestamp();
            foreach (JumpSample sample in samples)
            {
                model.Predict(sample.Frames, output);
            }

            TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
            best = elapsed < best ? elapsed : best;
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        return new Timing(
            Duration(ticks[0]),
            Duration(rest[rest.Length / 2]),
            Duration(rest[Math.Min(rest.Length - 1, (int)(rest.Length * 0.99))]),
            best / samples.Length,
            rounds,
            allocated,
            typeof(InitRandom).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true);
    }

    private static TimeSpan Duration(long ticks) => TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency);
}
