using System;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generators.Common;
using RnnGen.Generators.Diagnostics;
using RnnGen.Generators.Spec;
using RnnGen.Generators.Weights;

namespace RnnGen.Generators;

/// <summary>The steps of the pipeline that touch spec files, kept out of <see cref="RnnGenerator"/>.</summary>
internal static class SpecFiles
{
    public const string Extension = ".rnn.yaml";

    public static bool IsSpec(string path) => path.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

    public static ParseResult Parse(AdditionalText file, CancellationToken cancellationToken)
    {
        SourceText? text = file.GetText(cancellationToken);
        if (text is null)
        {
            var location = new LocationInfo(file.Path, default, default);
            return new ParseResult(null, new[] { DiagnosticInfo.Create(DiagnosticDescriptors.InvalidYaml, location, "the file could not be read") }.ToEquatableArray());
        }

        ParseResult result = SpecParser.Parse(file.Path, text.ToString(), cancellationToken);
        return result.Spec is null ? result : result with { Spec = result.Spec with { SpecPath = file.Path } };
    }

    public static EmitRequest ToRequest(ModelSpec spec, string? rootNamespace, EquatableArray<DuplicateClaim> duplicates, bool languageSupported, EquatableArray<SpecWeights> weights)
    {
        bool loses = duplicates.Any(d => string.Equals(d.LoserPath, spec.SpecPath, StringComparison.Ordinal));
        CompiledWeights? compiled = spec.Weights is null
            ? null
            : weights.FirstOrDefault(w => string.Equals(w.SpecPath, spec.SpecPath, StringComparison.Ordinal))?.Weights;
        return new EmitRequest(spec, ModelNaming.ResolveNamespace(spec.Namespace, rootNamespace), languageSupported && !loses, compiled);
    }

    public static string FileName(string path) => Path.GetFileName(path);
}
