using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Package;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Performance;

/// <summary>
/// Issue 6, the cost of the generator itself: all of <c>specs/</c> must add less than 200 ms to a build, and no spec
/// without compiled-in weights may emit more than 1 MB of source. Measured in process with the driver the compiler
/// uses, on the specs of <c>specs/</c> and the benchmark grid (docs/benchmarks.md, "Cost of the generator").
/// </summary>
public sealed class GeneratorCostTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SpecsBudget = TimeSpan.FromMilliseconds(200);

    private const int MaxSourceBytes = 1_000_000;

    // The first runs pay for JIT compilation of the generator, YamlDotNet and the driver; a build server keeps
    // those warm, so they are left out. The median of the timed runs ignores the odd run a neighbour disturbs.
    private const int WarmUpRuns = 3;
    private const int TimedRuns = 15;

    [Fact]
    public void Generating_specs_takes_under_200_ms_and_no_spec_emits_over_1_MB()
    {
        SpecFile[] specs = SpecFile.InRepository().ToArray();
        Assert.Contains(specs, s => s.Group == SpecFile.ExampleGroup);
        Assert.Equal(18, specs.Count(s => s.Group == SpecFile.BenchmarkGroup)); // the grid of 12 and the 6 unroll: full twins

        foreach (SpecFile spec in specs)
        {
            GenerateOnce([spec]);
        }

        SpecCost[] costs = specs.Select(spec => Measure([spec], spec.Name)).ToArray();
        SpecCost together = Measure(specs.Where(s => s.Group == SpecFile.ExampleGroup).ToArray(), "all of specs/, one driver");
        Report(costs, together);

        TimeSpan examples = costs.Where(c => c.Specs.All(s => s.Group == SpecFile.ExampleGroup)).Aggregate(TimeSpan.Zero, (sum, c) => sum + c.CpuMedian);
        Assert.True(examples < SpecsBudget, $"The specs of specs/ take {examples.TotalMilliseconds:F1} ms to generate (sum of medians); the budget is {SpecsBudget.TotalMilliseconds} ms.");
        Assert.All(
            costs.Where(c => !c.Specs.Single().HasWeights),
            c => Assert.True(c.SourceBytes <= MaxSourceBytes, $"{c.Name} emits {c.SourceBytes:N0} bytes of source; the limit is {MaxSourceBytes:N0}."));
    }

    [Fact]
    public void The_largest_legal_spec_emits_at_most_1_MB()
    {
        SpecCost cost = Measure([SpecFile.Largest()], "largest legal spec");
        Report([cost], together: null);
        Assert.True(cost.SourceBytes <= MaxSourceBytes, $"{cost.SourceBytes:N0} bytes of source; the limit is {MaxSourceBytes:N0}.");
    }

    /// <summary>
    /// Over the budget a model first gives up the lockstep groups of PredictBatch and AccumulateGradientsBatch, then
    /// vector paths (ModelEmitter.Emit): the largest legal spec (it trains) takes that route, and what it emits must
    /// still compile with warnings as errors.
    /// </summary>
    [Fact]
    public void The_largest_legal_spec_drops_the_lockstep_groups_and_compiles()
    {
        SpecFile largest = SpecFile.Largest();
        GeneratorRun run = GeneratorHarness.Run("/project/" + largest.Path, largest.Text);
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompilationDiagnostics);
        string source = Assert.Single(run.Sources).Source;
        Assert.Contains("// Over the source budget with lockstep groups: PredictBatch and AccumulateGradientsBatch run sequence by sequence.", source, StringComparison.Ordinal);
        Assert.DoesNotContain("PredictGroup(", source, StringComparison.Ordinal);
        Assert.DoesNotContain("AccumulateGroup(", source, StringComparison.Ordinal);
        Assert.DoesNotContain("StepGroup(", source, StringComparison.Ordinal);
        Assert.True(source.Length <= MaxSourceBytes, $"{source.Length:N0} characters");
    }

    private SpecCost Measure(IReadOnlyList<SpecFile> specs, string name)
    {
        for (int i = 0; i < WarmUpRuns; i++)
        {
            GenerateOnce(specs);
        }

        var cpu = new List<TimeSpan>(TimedRuns);
        var wall = new List<TimeSpan>(TimedRuns);
        GeneratorDriverRunResult? last = null;
        for (int i = 0; i < TimedRuns; i++)
        {
            (last, TimeSpan runCpu, TimeSpan runWall) = GenerateOnce(specs);
            cpu.Add(runCpu);
            wall.Add(runWall);
        }

        Diagnostic[] errors = last!.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, $"{name}: {string.Join("; ", errors.Select(e => e.ToString()))}");
        string[] sources = last.GeneratedTrees.Select(t => t.GetText().ToString()).ToArray();
        Assert.NotEmpty(sources);
        return new SpecCost(
            name,
            specs,
            Median(cpu),
            Median(wall),
            sources.Sum(s => Encoding.UTF8.GetByteCount(s)),
            sources.Sum(s => s.Count(c => c == '\n')));
    }

    /// <summary>One build's worth of generation: a new driver (nothing cached), run on an empty compilation.</summary>
    private static (GeneratorDriverRunResult Result, TimeSpan Cpu, TimeSpan Wall) GenerateOnce(IReadOnlyList<SpecFile> specs)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver(specs.Select(s => (AdditionalText)new InMemoryAdditionalText(s.Path, s.Text)), trackSteps: false);
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation();
        TimeSpan cpuStart = ThreadCpuTime.Now();
        long wallStart = Stopwatch.GetTimestamp();
        driver = driver.RunGenerators(compilation);
        TimeSpan wall = Stopwatch.GetElapsedTime(wallStart);
        TimeSpan cpu = ThreadCpuTime.Now() - cpuStart;
        return (driver.GetRunResult(), cpu, wall);
    }

    private static TimeSpan Median(List<TimeSpan> times)
    {
        times.Sort();
        return times[times.Count / 2];
    }

    private void Report(IEnumerable<SpecCost> costs, SpecCost? together)
    {
        string clock = ThreadCpuTime.IsThreadTime ? "thread CPU" : "wall (no thread clock here)";
        output.WriteLine($"median of {TimedRuns} runs after {WarmUpRuns} warm-up runs; ms by the {clock} clock, wall clock beside it");
        output.WriteLine($"| spec | ms | wall ms | bytes | lines |");
        output.WriteLine($"|---|---:|---:|---:|---:|");
        foreach (SpecCost cost in together is null ? costs : costs.Append(together))
        {
            output.WriteLine($"| {cost.Name} | {cost.CpuMedian.TotalMilliseconds:F1} | {cost.WallMedian.TotalMilliseconds:F1} | {cost.SourceBytes:N0} | {cost.SourceLines:N0} |");
        }
    }

    private sealed record SpecCost(string Name, IReadOnlyList<SpecFile> Specs, TimeSpan CpuMedian, TimeSpan WallMedian, long SourceBytes, long SourceLines);

    /// <summary>A spec as the build hands it to the generator: a path relative to the repository, and its text.</summary>
    private sealed record SpecFile(string Group, string Path, string Text)
    {
        public const string ExampleGroup = "specs/";
        public const string BenchmarkGroup = "benchmarks";

        public string Name => $"{(Group == ExampleGroup ? Group : string.Empty)}{System.IO.Path.GetFileName(Path)}";

        /// <summary>Compiled-in weights (DESIGN.md, <c>weights:</c>) are exempt from the 1 MB limit: their values are source.</summary>
        public bool HasWeights => Regex.IsMatch(Text, @"^weights\s*:", RegexOptions.Multiline);

        public static IEnumerable<SpecFile> InRepository() =>
            In(ExampleGroup, "specs").Concat(In(BenchmarkGroup, System.IO.Path.Combine("tests", "RnnGen.Benchmarks", "Specs")));

        /// <summary>
        /// The spec that makes the emitter write the most, within SpecBounds: 16 bidirectional LSTM layers with every
        /// option (each layer is emitted per instruction set, forward and backward), as wide as the 100M-parameter
        /// bound allows with a projection, token input, a softmax per step, training with clipping and dropout.
        /// </summary>
        public static SpecFile Largest()
        {
            var text = new StringBuilder("""
                model: Largest
                namespace: Consumer.Models
                input: { vocab: 1000, embedding: 37 }
                sequence: 100
                layers:

                """);
            for (int layer = 0; layer < 16; layer++)
            {
                text.Append("""
                      - cell: lstm
                        hidden: 509
                        projection: 383
                        peepholes: true
                        cell_clip: 3.0
                        direction: bidirectional

                    """);
            }

            text.Append("""
                output:
                  mode: many-to-many
                  head: softmax
                  size: 1000
                training:
                  loss: cross_entropy
                  optimizer: adam
                  clip_norm: 1.0
                  dropout: 0.5

                """);
            return new SpecFile("largest", "largest.rnn.yaml", text.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
        }

        private static IEnumerable<SpecFile> In(string group, string directory) =>
            Directory.GetFiles(System.IO.Path.Combine(RepositoryRoot.Path, directory), "*.rnn.yaml")
                .OrderBy(p => p, StringComparer.Ordinal)
                .Select(p => new SpecFile(group, System.IO.Path.GetRelativePath(RepositoryRoot.Path, p).Replace('\\', '/'), File.ReadAllText(p)));
    }
}
