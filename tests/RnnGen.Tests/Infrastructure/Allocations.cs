using System;

namespace RnnGen.Tests.Infrastructure;

/// <summary>How much the calling thread allocates in a steady state.</summary>
public static class Allocations
{
    /// <summary>
    /// The bytes <paramref name="run"/> allocates on this thread: the least of up to three runs. The runtime can charge a
    /// thread a few KB it did not allocate (allocation-context accounting around collections, dotnet/runtime#13502; seen
    /// here as 1-6 KB in about one parallel run of ten); a steady-state allocation shows in every run. Call the code
    /// once before, so first-call allocations are behind it, and create the delegate outside, as this does.
    /// </summary>
    public static long SteadyState(Action run)
    {
        long least = long.MaxValue;
        for (int window = 0; window < 3 && least != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            run();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
