using RnnGen.Generators.Spec;
using RnnGen.Generators.Weights;

namespace RnnGen.Generators;

/// <summary>
/// One model ready to emit, with everything the emitter needs resolved as value-equal data: its
/// namespace, whether it may be emitted at all (not a losing duplicate, language new enough), and the
/// weights compiled into it (spec key <c>weights</c>; null without the key or when the file does not fit,
/// which is reported: the class is then emitted without them, so user code still compiles).
/// </summary>
internal sealed record EmitRequest(ModelSpec Spec, string? Namespace, bool Emit, CompiledWeights? Weights)
{
    /// <summary>Hint name of the generated file: unique per class, stable, no path.</summary>
    public string HintName => (Namespace is { Length: > 0 } ns ? ns + "." + Spec.ClassName : Spec.ClassName) + ".g.cs";
}
