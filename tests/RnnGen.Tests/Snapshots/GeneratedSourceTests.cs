using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Snapshots;

/// <summary>
/// The generated source of every tiny fixture spec, reviewed as a snapshot
/// (<c>GeneratedSourceTests.{Model}.verified.cs</c> next to this file). Each also compiles without
/// a warning under Nullable and warnings-as-errors, and is numerically checked by ParityTests.
/// </summary>
public sealed class GeneratedSourceTests
{
    public static TheoryData<string> FixtureSpecs => new(
        Directory.GetFiles(FixtureDirectory, "*.rnn.yaml").Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal)!);

    private static string FixtureDirectory => Path.Combine(GeneratorHarness.SourceDirectory(), "..", "Fixtures");

    private static string SpecsDirectory => Path.Combine(GeneratorHarness.SourceDirectory(), "..", "..", "..", "specs");

    [Theory]
    [MemberData(nameof(FixtureSpecs))]
    public void Generated_source_matches_snapshot(string specFile)
    {
        string text = File.ReadAllText(Path.Combine(FixtureDirectory, specFile));
        GeneratorRun run = GeneratorHarness.Run("/project/Fixtures/" + specFile, text);

        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompilationDiagnostics);
        (string hintName, string source) = Assert.Single(run.Sources);
        Assert.EndsWith(".g.cs", hintName, StringComparison.Ordinal);
        Snapshot.Verify(GeneratorHarness.SourceDirectory(), "GeneratedSourceTests." + specFile.Replace(".rnn.yaml", string.Empty, StringComparison.Ordinal), "cs", source);
    }

    public static TheoryData<string> ExampleSpecs => new(
        Directory.GetFiles(SpecsDirectory, "*.rnn.yaml").Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal)!);

    /// <summary>
    /// The example specs' generated source too: the emitter writes constant-bound loops, so even these
    /// stay a few hundred lines and reviewable.
    /// </summary>
    [Theory]
    [MemberData(nameof(ExampleSpecs))]
    public void Example_spec_source_matches_snapshot(string specFile)
    {
        string text = File.ReadAllText(Path.Combine(SpecsDirectory, specFile));
        GeneratorRun run = GeneratorHarness.Run("/project/specs/" + specFile, text);

        Assert.Empty(run.CompilationDiagnostics);
        (string _, string source) = Assert.Single(run.Sources);
        Snapshot.Verify(GeneratorHarness.SourceDirectory(), "GeneratedSourceTests." + specFile.Replace(".rnn.yaml", string.Empty, StringComparison.Ordinal), "cs", source);
    }

    /// <summary>The public surface of the example specs, the contract a user codes against.</summary>
    [Theory]
    [MemberData(nameof(ExampleSpecs))]
    public void Example_spec_public_surface_matches_snapshot(string specFile)
    {
        string text = File.ReadAllText(Path.Combine(SpecsDirectory, specFile));
        GeneratorRun run = GeneratorHarness.Run("/project/specs/" + specFile, text);

        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompilationDiagnostics);
        Snapshot.Verify(GeneratorHarness.SourceDirectory(), "PublicSurface." + specFile.Replace(".rnn.yaml", string.Empty, StringComparison.Ordinal), "txt", PublicSurface.Describe(run.OutputCompilation));
    }

    [Theory]
    [MemberData(nameof(FixtureSpecs))]
    public void Output_is_deterministic_and_free_of_paths(string specFile)
    {
        string text = File.ReadAllText(Path.Combine(FixtureDirectory, specFile));
        string first = Assert.Single(GeneratorHarness.Run("/home/someone/project/" + specFile, text).Sources).Source;
        string second = Assert.Single(GeneratorHarness.Run(@"C:\work\elsewhere\" + specFile, text.Replace("\n", "\r\n", StringComparison.Ordinal)).Sources).Source;

        Assert.Equal(first, second);
        Assert.DoesNotContain("\r", first, StringComparison.Ordinal);
        Assert.DoesNotContain("someone", first, StringComparison.Ordinal);
    }
}
