using RnnGen.Generators.Spec;

namespace RnnGen.Generators;

/// <summary>
/// One model ready to emit, with everything the emitter needs resolved as value-equal data: its
/// namespace, and whether it may be emitted at all (not a losing duplicate, language new enough).
/// </summary>
internal sealed record EmitRequest(ModelSpec Spec, string? Namespace, bool Emit)
{
    /// <summary>Hint name of the generated file: unique per class, stable, no path.</summary>
    public string HintName => (Namespace is { Length: > 0 } ns ? ns + "." + Spec.ClassName : Spec.ClassName) + ".g.cs";
}
