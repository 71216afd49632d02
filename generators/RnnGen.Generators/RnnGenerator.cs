using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generators.Common;
using RnnGen.Generators.Diagnostics;
using RnnGen.Generators.Spec;
using RnnGen.Generators.Weights;

namespace RnnGen.Generators;

/// <summary>Turns every <c>*.rnn.yaml</c> additional file into a C# class (DESIGN.md).</summary>
[Generator(LanguageNames.CSharp)]
public sealed class RnnGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Each *.rnn.yaml file, parsed on its own into a value-equal spec and its diagnostics.
        IncrementalValuesProvider<ParseResult> parsed = context.AdditionalTextsProvider
            .Where(static file => SpecFiles.IsSpec(file.Path))
            .Select(SpecFiles.Parse)
            .WithTrackingName(TrackingNames.Parse);

        // Parse diagnostics are an output of their own, so a diagnostic that moves never re-emits source.
        context.RegisterSourceOutput(parsed.Select(static (result, _) => result.Diagnostics), Reporting.ReportAll);

        // The specs that parsed without error.
        IncrementalValuesProvider<ModelSpec> models = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Models);

        // The project's RootNamespace (through CompilerVisibleProperty), in a cheap step of its own.
        IncrementalValueProvider<string?> rootNamespace = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.RootNamespace", out string? ns) && ns.Length > 0 ? ns : null)
            .WithTrackingName(TrackingNames.RootNamespace);

        // Whether the consumer compiles as C# 12 or later, which the generated code needs (inline arrays).
        IncrementalValueProvider<bool> languageSupported = context.ParseOptionsProvider
            .Select(static (options, _) => options is not CSharpParseOptions csharp || csharp.LanguageVersion >= LanguageVersion.CSharp12)
            .WithTrackingName(TrackingNames.LanguageVersion);

        // Specs that lose their class to another spec of the same full name; only this small list
        // depends on every spec, so editing one spec leaves the others' outputs cached.
        IncrementalValueProvider<EquatableArray<DuplicateClaim>> duplicates = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => new ClassClaim(result.Spec!.ClassName, result.Spec.Namespace, result.Spec.SpecPath, result.ModelLocation))
            .Collect()
            .Combine(rootNamespace)
            .Select(static (pair, _) => ModelNaming.FindDuplicates(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.DuplicateNames);
        context.RegisterSourceOutput(duplicates, Reporting.ReportDuplicates);

        // One diagnostic for a project whose language version is too old, however many specs it has.
        IncrementalValueProvider<bool> anyModel = models.Collect().Select(static (all, _) => !all.IsEmpty);
        context.RegisterSourceOutput(languageSupported.Combine(anyModel).Combine(context.ParseOptionsProvider), Reporting.ReportLanguageVersion);

        // The specs that name a weights file (spec key weights), with the file's full path and where the key stands.
        IncrementalValuesProvider<WeightsRequest> weightsRequests = parsed
            .Where(static result => result.Spec?.Weights is not null)
            .Select(static (result, _) => WeightsRequest.Of(result))
            .WithTrackingName(TrackingNames.WeightsRequests);

        // The full paths of those files: only their sidecars are read.
        IncrementalValueProvider<EquatableArray<string>> namedWeights = weightsRequests
            .Select(static (request, _) => request.WeightsPath)
            .Collect()
            .Select(static (paths, _) => paths.Distinct(StringComparer.Ordinal).OrderBy(p => p, StringComparer.Ordinal).ToEquatableArray());

        // The base64 sidecars that the package's build step writes for weights files (docs/weights.md), each
        // found by the file it encodes (item metadata) and read only when a spec names that file.
        IncrementalValuesProvider<WeightsFileData> weightsFiles = context.AdditionalTextsProvider
            .Where(static file => WeightsSidecar.HasExtension(file.Path))
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, _) => WeightsSidecar.Describe(pair.Left, pair.Right))
            .Where(static sidecar => sidecar is not null)
            .Combine(namedWeights)
            .Select(static (pair, cancellationToken) => WeightsSidecar.Read(pair.Left!.Value, pair.Right, cancellationToken))
            .Where(static data => data is not null)
            .Select(static (data, _) => data!)
            .WithTrackingName(TrackingNames.WeightsFiles);

        // Each spec's weights checked against its model: the tensors to compile in, or located diagnostics.
        IncrementalValuesProvider<WeightsResult> weights = weightsRequests
            .Combine(weightsFiles.Collect())
            .Select(static (pair, cancellationToken) => WeightsMatcher.Match(pair.Left, pair.Right, cancellationToken))
            .WithTrackingName(TrackingNames.Weights);

        // Weights diagnostics are an output of their own, as parse diagnostics are.
        context.RegisterSourceOutput(weights.Select(static (result, _) => result.Diagnostics), Reporting.ReportAll);

        // The weights that fit their model, without diagnostics, so a moved diagnostic never re-emits source.
        IncrementalValueProvider<EquatableArray<SpecWeights>> compiledWeights = weights
            .Where(static result => result.Weights is not null)
            .Select(static (result, _) => new SpecWeights(result.SpecPath, result.Weights!))
            .Collect()
            .Select(static (all, _) => all.ToEquatableArray());

        // Each model with its namespace resolved, the verdict on whether it may be emitted, and its compiled weights.
        IncrementalValuesProvider<EmitRequest> requests = models
            .Combine(rootNamespace)
            .Combine(duplicates)
            .Combine(languageSupported)
            .Combine(compiledWeights)
            .Select(static (input, _) => SpecFiles.ToRequest(input.Left.Left.Left.Left, input.Left.Left.Left.Right, input.Left.Left.Right, input.Left.Right, input.Right))
            .WithTrackingName(TrackingNames.EmitRequests);

        // The pure emitter: one source file per class.
        context.RegisterSourceOutput(requests, Emission.Emit);
    }
}
