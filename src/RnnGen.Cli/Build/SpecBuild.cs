using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generators;

namespace RnnGen.Cli.Build;

/// <summary>
/// Runs <see cref="RnnGenerator"/> over spec files exactly as the compiler does in a build: the same incremental
/// pipeline in a <see cref="CSharpGeneratorDriver"/>, with the specs as additional files and the project's
/// RootNamespace as a build property. So <c>check</c> and <c>emit</c> report and write what the build would.
/// </summary>
internal static class SpecBuild
{
    /// <param name="specs">The spec files, as one project holding them all (duplicate class names are found across them).</param>
    /// <param name="rootNamespace">The consuming project's RootNamespace, or null for none.</param>
    public static SpecBuildResult Run(IReadOnlyList<SpecSource> specs, string? rootNamespace)
    {
        IReadOnlyList<WeightsSidecarText> weights = WeightsSidecarText.Near(specs);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new RnnGenerator().AsSourceGenerator() },
            specs.Cast<AdditionalText>().Concat(weights),
            CSharpParseOptions.Default,
            new BuildProperties(rootNamespace, weights),
            // Tracking exposes the pipeline's own emit requests: the resolved class of each spec.
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(CSharpCompilation.Create("Consumer"));
        GeneratorRunResult run = driver.GetRunResult().Results.Single();

        ImmutableArray<EmitRequest> requests = run.TrackedSteps.TryGetValue(TrackingNames.EmitRequests, out ImmutableArray<IncrementalGeneratorRunStep> steps)
            ? steps.SelectMany(step => step.Outputs).Select(output => (EmitRequest)output.Value).ToImmutableArray()
            : ImmutableArray<EmitRequest>.Empty;
        ImmutableArray<GeneratedFile> sources = run.GeneratedSources
            .Select(source => new GeneratedFile(source.HintName, source.SourceText.ToString()))
            .ToImmutableArray();
        return new SpecBuildResult(Order(run.Diagnostics, specs), requests, sources, run.Exception);
    }

    /// <summary>Spec by spec in the order given, then by position, as a reader goes through the files.</summary>
    private static ImmutableArray<Diagnostic> Order(ImmutableArray<Diagnostic> diagnostics, IReadOnlyList<SpecSource> specs)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < specs.Count; i++)
        {
            index.TryAdd(specs[i].Path, i);
        }

        return diagnostics
            .Select(diagnostic => (Diagnostic: diagnostic, Span: diagnostic.Location.GetLineSpan()))
            .OrderBy(d => d.Span.IsValid && index.TryGetValue(d.Span.Path, out int i) ? i : int.MaxValue)
            .ThenBy(d => d.Span.StartLinePosition)
            .Select(d => d.Diagnostic)
            .ToImmutableArray();
    }
}

/// <summary>One generated source file: the hint name the build gives it and its text.</summary>
internal sealed record GeneratedFile(string HintName, string Text);

/// <summary>What one generator run produced.</summary>
/// <param name="Diagnostics">Every diagnostic, ordered by spec and position.</param>
/// <param name="Requests">One per spec that parsed without error: its model, namespace, and whether it is emitted.</param>
/// <param name="Sources">The generated files.</param>
/// <param name="GeneratorException">The exception the generator threw, if it did (a bug: it must never throw).</param>
internal sealed record SpecBuildResult(
    ImmutableArray<Diagnostic> Diagnostics,
    ImmutableArray<EmitRequest> Requests,
    ImmutableArray<GeneratedFile> Sources,
    Exception? GeneratorException)
{
    public int ErrorCount => Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);

    public int WarningCount => Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning);

    /// <summary>The emit request of the spec at <paramref name="path"/>, when it parsed without error.</summary>
    public EmitRequest? RequestFor(string path) =>
        Requests.FirstOrDefault(request => string.Equals(request.Spec.SpecPath, path, StringComparison.Ordinal));

    /// <summary>The source generated for <paramref name="request"/>, when it was emitted.</summary>
    public GeneratedFile? SourceFor(EmitRequest request) =>
        request.Emit ? Sources.FirstOrDefault(source => string.Equals(source.HintName, request.HintName, StringComparison.Ordinal)) : null;

    /// <summary>Whether the spec at <paramref name="path"/> has an error diagnostic, or one without a location applies to all.</summary>
    public bool HasErrors(string path) => Diagnostics.Any(d =>
        d.Severity == DiagnosticSeverity.Error
        && (!d.Location.GetLineSpan().IsValid || string.Equals(d.Location.GetLineSpan().Path, path, StringComparison.Ordinal)));
}
