using System;
using System.IO;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace RnnGen.Benchmarks;

/// <summary>
/// One short job (BenchmarkDotNet's ShortRun: 1 launch, 3 warm-up and 3 measured iterations), since the machines are
/// 2 shared cores; allocations measured; ratios against the naive baseline written as "N x faster"; the time per
/// step and sequences per second beside the mean. Artifacts go under the build output, not the working directory.
/// </summary>
public static class BenchmarkConfig
{
    /// <summary>The configuration; with <paramref name="cpuTime"/>, the job runs in this process and times each
    /// iteration by the thread's CPU time (<see cref="ThreadCpuClock"/>) instead of the wall clock.</summary>
    public static IConfig Create(bool cpuTime) => DefaultConfig.Instance
        .AddJob(cpuTime
            ? Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithClock(ThreadCpuClock.Instance).WithId("ShortRun-CpuTime")
            : Job.ShortRun)
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumn(new PerStepColumn(), new SequencesPerSecondColumn())
        .HideColumns(Column.Job, Column.IterationCount, Column.LaunchCount, Column.WarmupCount, Column.Error, Column.RatioSD)
        .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
        .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
}
