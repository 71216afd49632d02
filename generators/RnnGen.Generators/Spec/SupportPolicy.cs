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

        // Ignored: the class is generated without them.
        if (spec.Training is not null)
        {
            Ignored(map.Key(SpecKeys.Training), "'training'", "the class is generated for inference only (no gradients, loss or optimizer); remove the section to silence this message");
        }

        if (spec.Unroll != UnrollMode.Auto)
        {
            Ignored(map.Value(SpecKeys.Unroll), $"'unroll: {SpecValues.Unroll.NameOf(spec.Unroll)}'", "the emitter chooses what to unroll, as with unroll: auto");
        }

        if (spec.Init == InitKind.Orthogonal)
        {
            Ignored(map.Value(SpecKeys.Init), "'init: orthogonal'", "parameters start as with init: pytorch");
        }

        if (spec.Weights is not null)
        {
            Ignored(map.Key(SpecKeys.Weights), "'weights'", "the class starts from its initialization; call LoadSafetensors to load the file at run time");
        }

        // Refused: these change what the model computes.
        if (spec.Input.IsTokens)
        {
            Refused(map.Value(SpecKeys.Input), "Token input", "use 'input: N' with N features per step (one-hot tokens, for example)");
        }

        if (spec.Output.Mode is OutputMode.OneToMany or OutputMode.EncoderDecoder)
        {
            Refused(map.Value("output.mode"), $"The mode {SpecValues.Mode.NameOf(spec.Output.Mode)}", "use many-to-one or many-to-many");
        }

        foreach (string reserved in new[] { "output.encoder", "output.decoder" })
        {
            if (map.Contains(reserved))
            {
                Refused(map.Key(reserved), Phrases.Quote(reserved), "its format comes with the encoder-decoder mode; remove it");
            }
        }

        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerSpec layer = spec.Layers[i];
            string path = $"{SpecKeys.Layers}[{i}].";
            if (!layer.Bias)
            {
                Refused(map.Value(path + SpecKeys.Bias), "'bias: false'", "remove it (layers have biases by default)");
            }

            if (layer.Activation == RnnActivation.Relu)
            {
                Refused(map.Value(path + SpecKeys.Activation), "'activation: relu'", "remove it to use tanh");
            }

            if (layer.Projection > 0)
            {
                Refused(map.Key(path + SpecKeys.Projection), "'projection'", "remove it, or set hidden to the width you want");
            }

            if (layer.Peepholes)
            {
                Refused(map.Key(path + SpecKeys.Peepholes), "'peepholes'", "remove it");
            }

            if (layer.CellClip is not null)
            {
                Refused(map.Key(path + SpecKeys.CellClip), "'cell_clip'", "remove it");
            }

            if (layer.ForgetBias is not null)
            {
                Refused(map.Key(path + SpecKeys.ForgetBias), "'forget_bias'", "remove it, or set the bias after construction through Parameters");
            }

            if (layer.Reset == GruReset.Before)
            {
                Refused(map.Value(path + SpecKeys.Reset), "'reset: before'", "remove it to use reset: after (PyTorch's gru)");
            }
        }
    }
}
