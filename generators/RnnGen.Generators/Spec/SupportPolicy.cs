using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>
/// What this release of RnnGen can generate, applied to a spec that is otherwise valid. Every
/// feature of DESIGN.md is parsed and validated in full; the ones the emitter does not implement
/// yet are listed here, and only here. When a feature lands, delete its lines.
/// <list type="bullet">
/// <item>Ignored (RNN0012, info): the class is still generated, without the feature.</item>
/// <item>Refused (RNN0013, error): the feature changes the math, so a class without it would be wrong.</item>
/// </list>
/// </summary>
internal static class SupportPolicy
{
    public static void Apply(ModelSpec spec, ReadContext context)
    {
        SpecSourceMap map = context.Map;
        SpecDiagnostics diagnostics = context.Diagnostics;

        void Ignored(LocationInfo at, string feature, string consequence) =>
            diagnostics.Report(DiagnosticDescriptors.NotSupportedYetIgnored, at, feature, consequence);

        void Refused(LocationInfo at, string feature, string fix) =>
            diagnostics.Report(DiagnosticDescriptors.NotSupportedYet, at, feature, fix);

        // unroll: full writes the products' k loops out, unless its largest method would be too large to optimize:
        // then it keeps the loops of unroll: auto and says so.
        if (spec.Unroll == UnrollMode.Full)
        {
            long bytes = UnrollBudget.LargestMethodBytes(spec);
            if (bytes > UnrollBudget.MethodBytes)
            {
                diagnostics.Report(
                    DiagnosticDescriptors.UnrollOverBudget,
                    map.Value(SpecKeys.Unroll),
                    bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                    UnrollBudget.MethodBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        // Ignored: the class is generated without them.

        // Refused: these change what the model computes.
        if (spec.Output.Mode is OutputMode.EncoderDecoder && spec.Weights is not null)
        {
            Refused(map.Value(SpecKeys.Weights), "Compiled-in weights ('weights') in the mode encoder-decoder", "remove 'weights' and load the file at run time with LoadSafetensors");
        }

        if (spec.Output.Mode is OutputMode.OneToMany && spec.Output.StartToken is not null)
        {
            Ignored(map.Key("output.start"), "'output.start'", "pass the tokens to start from as the prime of Generate");
        }
    }
}
