using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generators;
using RnnGen.Generators.Spec;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Fuzzing;

/// <summary>
/// Thousands of mutated specs through the generator driver, as the compiler runs it. The generator
/// never throws, never reports an internal error (RNN0099), and every case ends either in source
/// or in an error located in the spec; every diagnostic's span lies in the file and agrees with
/// Roslyn's line table. A seeded sample of the accepted cases is compiled: no warnings, no errors.
/// </summary>
public sealed class SpecFuzzTests
{
    private const int Cases = 5_000;

    // Tests that each take a fifth of the cases, or of the sample, to stay well within the budget.
    private const int ShardCount = 5;

    private const int CompiledSample = 300;

    // Each case's budget is a few milliseconds; this catches a hang or a blow-up, with room for a
    // loaded 2-core machine.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    // The generator runs against a project with default warning levels, so its diagnostics keep
    // their own severities; its output compiles with warnings as errors.
    private static readonly CSharpCompilation s_consumer = GeneratorHarness.CreateCompilation();

    private static readonly CSharpCompilation s_project = s_consumer.WithOptions(s_consumer.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Default));

    private readonly ITestOutputHelper _log;

    public SpecFuzzTests(ITestOutputHelper log) => _log = log;

    public static TheoryData<int> Shards => new(Enumerable.Range(0, ShardCount));

    [Theory]
    [MemberData(nameof(Shards))]
    public void Every_mutated_spec_ends_in_source_or_a_located_error(int shard)
    {
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int accepted = 0;
        int first = shard * Cases / ShardCount, end = (shard + 1) * Cases / ShardCount;
        for (int index = first; index < end; index++)
        {
            (string text, string edits) = SpecFuzzCorpus.Case(index);
            GeneratorRunResult result = Generate(text, "Consumer");
            string? problem = Check(result, text);
            if (problem is not null)
            {
                failures.Add($"case {index} ({edits}): {problem}");
            }

            if (!result.GeneratedSources.IsEmpty)
            {
                accepted++;
            }

            string outcome = result.GeneratedSources.IsEmpty ? FirstError(result) : "source";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        clock.Stop();
        _log.WriteLine($"cases {first}..{end - 1} in {clock.Elapsed.TotalSeconds:F1} s: {accepted} emitted source, {end - first - accepted} rejected");
        _log.WriteLine(string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}")));
        Assert.True(failures.Count == 0, $"{failures.Count} failing cases:\n" + string.Join("\n", failures.Take(20)));
        Assert.True(clock.Elapsed < Budget, $"took {clock.Elapsed}");

        // The fuzzer must reach both ends: a mutator that broke everything would test only the reader.
        Assert.InRange(accepted, (end - first) / 10, (end - first) * 9 / 10);
    }

    [Theory]
    [MemberData(nameof(Shards))]
    public void A_seeded_sample_of_accepted_mutants_compiles(int shard)
    {
        var clock = Stopwatch.StartNew();
        int[] cases = SelectSample(shard);
        TimeSpan selected = clock.Elapsed;

        // A root namespace per case keeps classes apart; specs that name their own namespace may
        // still collide, so a batch takes at most one of each full name.
        var trees = new List<(int Index, string FullName, SyntaxTree Tree)>();
        foreach (int index in cases)
        {
            GeneratorRunResult result = Generate(SpecFuzzCorpus.Case(index).Text, $"Fuzz.Case{index}");
            GeneratedSourceResult source = Assert.Single(result.GeneratedSources);
            trees.Add((index, source.HintName, source.SyntaxTree));
        }

        TimeSpan generated = clock.Elapsed;
        var failures = new List<string>();
        List<List<(int Index, string FullName, SyntaxTree Tree)>> batches = Batches(trees, cases.Length);
        foreach (List<(int Index, string FullName, SyntaxTree Tree)> batch in batches)
        {
            if (Errors(batch.Select(b => b.Tree)).Count == 0)
            {
                continue;
            }

            // Compiled alone, each case shows whether it fails by itself or only beside another.
            foreach ((int index, _, SyntaxTree tree) in batch)
            {
                List<Diagnostic> errors = Errors([tree]);
                if (errors.Count > 0)
                {
                    failures.Add($"case {index} ({SpecFuzzCorpus.Case(index).Edits}): {errors.Count} diagnostics, first {errors[0]}");
                }
            }
        }

        clock.Stop();
        _log.WriteLine($"shard {shard}: {cases.Length} accepted cases of distinct specs ({trees.Sum(t => t.Tree.Length):N0} characters of source), selected by {selected.TotalSeconds:F1} s, generated by {generated.TotalSeconds:F1} s, compiled in {batches.Count} compilations, {clock.Elapsed.TotalSeconds:F1} s in all");
        Assert.Equal(CompiledSample / ShardCount, cases.Length);
        Assert.True(failures.Count == 0, $"{failures.Count} accepted cases do not compile:\n" + string.Join("\n", failures.Take(20)));
        Assert.True(clock.Elapsed < Budget, $"took {clock.Elapsed}");
    }

    /// <summary>
    /// The shard's cases to compile: accepted ones (as the parser, the generator's first step,
    /// decides) among those whose index is the shard modulo <see cref="ShardCount"/>, one per
    /// distinct spec so that line-end and comment edits do not crowd out real variety, in a seeded
    /// order.
    /// </summary>
    private static int[] SelectSample(int shard)
    {
        var random = new Random(SpecFuzzCorpus.Seed + shard);
        var specs = new HashSet<ModelSpec>();
        var sample = new List<int>();
        foreach (int index in Enumerable.Range(0, Cases / ShardCount).Select(i => (i * ShardCount) + shard).OrderBy(_ => random.Next()))
        {
            ModelSpec? spec = SpecParser.Parse(SpecFuzzCorpus.FilePath, SpecFuzzCorpus.Case(index).Text, CancellationToken.None).Spec;
            if (spec is not null && specs.Add(spec))
            {
                sample.Add(index);
                if (sample.Count == CompiledSample / ShardCount)
                {
                    break;
                }
            }
        }

        return sample.Order().ToArray();
    }

    private static GeneratorRunResult Generate(string text, string rootNamespace)
    {
        // As GeneratorHarness.CreateDriver, without step tracking, which these runs do not need.
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new RnnGenerator().AsSourceGenerator()],
            [new InMemoryAdditionalText(SpecFuzzCorpus.FilePath, text)],
            GeneratorHarness.ParseOptions(),
            new TestOptionsProvider(new Dictionary<string, string> { ["build_property.RootNamespace"] = rootNamespace }));
        return driver.RunGenerators(s_project).GetRunResult().Results.Single();
    }

    /// <summary>What is wrong with one run, or null: the oracle of the fuzzer.</summary>
    private static string? Check(GeneratorRunResult result, string text)
    {
        if (result.Exception is not null)
        {
            return "the generator threw " + result.Exception;
        }

        if (result.Diagnostics.FirstOrDefault(d => d.Id == "RNN0099") is { } internalError)
        {
            return "internal error " + internalError.GetMessage();
        }

        var source = SourceText.From(text);
        foreach (Diagnostic diagnostic in result.Diagnostics)
        {
            string? misplaced = CheckLocation(diagnostic, source);
            if (misplaced is not null)
            {
                return $"{diagnostic.Id} {misplaced}: {diagnostic.GetMessage()}";
            }
        }

        if (result.GeneratedSources.IsEmpty)
        {
            return result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)
                ? null
                : "no source and no error: " + string.Join(", ", result.Diagnostics.Select(d => d.Id));
        }

        // A weights problem (RNN0018-RNN0025) still emits the class, without the weights (docs/weights.md), so that
        // the build shows that one error and not the compiler's errors about a missing class.
        if (result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error && !IsWeightsDiagnostic(d.Id)))
        {
            return "source despite an error: " + result.Diagnostics.First(d => d.Severity == DiagnosticSeverity.Error && !IsWeightsDiagnostic(d.Id));
        }

        // Every emitted source at least parses; the sample test compiles some of them in full.
        return result.GeneratedSources.SelectMany(s => s.SyntaxTree.GetDiagnostics()).FirstOrDefault() is { } syntax
            ? "emitted source does not parse: " + syntax
            : null;
    }

    /// <summary>The diagnostic points into the spec, at a span within its text and lines.</summary>
    private static string? CheckLocation(Diagnostic diagnostic, SourceText text)
    {
        Location location = diagnostic.Location;
        if (location.Kind != LocationKind.ExternalFile)
        {
            return $"is not located in the spec ({location.Kind})";
        }

        FileLinePositionSpan lineSpan = location.GetLineSpan();
        TextSpan span = location.SourceSpan;
        if (lineSpan.Path != SpecFuzzCorpus.FilePath)
        {
            return $"points at '{lineSpan.Path}'";
        }

        if (span.End > text.Length || lineSpan.EndLinePosition.Line >= text.Lines.Count)
        {
            return $"points past the end: span {span}, lines {lineSpan.Span}, text of {text.Length} characters and {text.Lines.Count} lines";
        }

        LinePositionSpan expected = text.Lines.GetLinePositionSpan(span);
        return expected == lineSpan.Span ? null : $"has span {span} at {expected}, but reports lines {lineSpan.Span}";
    }

    private static string FirstError(GeneratorRunResult result) =>
        result.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error)?.Id ?? "nothing";

    private static List<Diagnostic> Errors(IEnumerable<SyntaxTree> trees) =>
        s_consumer.AddSyntaxTrees(trees).GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    /// <summary>Groups of at most <paramref name="size"/> trees, none holding one hint name (the class's full name) twice.</summary>
    private static List<List<(int Index, string FullName, SyntaxTree Tree)>> Batches(List<(int Index, string FullName, SyntaxTree Tree)> trees, int size)
    {
        var batches = new List<List<(int Index, string FullName, SyntaxTree Tree)>>();
        foreach ((int Index, string FullName, SyntaxTree Tree) tree in trees)
        {
            List<(int Index, string FullName, SyntaxTree Tree)>? batch = batches.FirstOrDefault(b => b.Count < size && b.All(other => other.FullName != tree.FullName));
            if (batch is null)
            {
                batch = [];
                batches.Add(batch);
            }

            batch.Add(tree);
        }

        return batches;
    }

    private static bool IsWeightsDiagnostic(string id) =>
        string.CompareOrdinal(id, "RNN0018") >= 0 && string.CompareOrdinal(id, "RNN0025") <= 0;
}
