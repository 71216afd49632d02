using RnnGen.Generators.Diagnostics;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Weights;

/// <summary>A spec that names a weights file: the spec, the file's full path, and where the key's value stands.</summary>
internal sealed record WeightsRequest(ModelSpec Spec, string WeightsPath, LocationInfo Location)
{
    public static WeightsRequest Of(ParseResult result)
    {
        ModelSpec spec = result.Spec!;
        return new WeightsRequest(spec, WeightsPaths.Resolve(spec.SpecPath, spec.Weights!), result.WeightsLocation ?? new LocationInfo(spec.SpecPath, default, default));
    }
}

/// <summary>What matching a spec with its weights file gives: the weights to compile in (null on any error) and the diagnostics.</summary>
internal sealed record WeightsResult(string SpecPath, CompiledWeights? Weights, Common.EquatableArray<DiagnosticInfo> Diagnostics);
