using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RnnGen.Tests.Performance;

/// <summary>
/// The CPU time the calling thread has used, from Linux's <c>CLOCK_THREAD_CPUTIME_ID</c>: on the shared machine the
/// wall clock also counts the time a thread waits for a core, this does not. Elsewhere it falls back to the wall clock.
/// </summary>
internal static class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    public static bool IsThreadTime => OperatingSystem.IsLinux();

    public static TimeSpan Now()
    {
        if (!IsThreadTime)
        {
            // The wall clock since the timer's origin: differences of it are elapsed times all the same.
            return Stopwatch.GetElapsedTime(0);
        }

        if (ClockGetTime(ClockThreadCpuTimeId, out TimeSpec time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
        }

        return TimeSpan.FromTicks((time.Seconds * TimeSpan.TicksPerSecond) + (time.Nanoseconds / 100));
    }

    // DllImport, not LibraryImport: the latter's generated marshalling needs unsafe code. TimeSpec is blittable.
    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
