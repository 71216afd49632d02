using RnnGen.Generators.Common;
using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>What parsing one spec file yields: the model (null when it cannot be built) and its diagnostics.</summary>
internal sealed record ParseResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>Where the <c>model</c> key's value stands, for diagnostics about the class as a whole.</summary>
    public LocationInfo? ModelLocation { get; init; }

    /// <summary>Where the <c>weights</c> key's value stands, for diagnostics about the weights file.</summary>
    public LocationInfo? WeightsLocation { get; init; }
}
