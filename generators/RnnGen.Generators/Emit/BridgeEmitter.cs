using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits how an encoder-decoder model's decoder starts (docs/encoder-decoder.md): layer by layer from the encoder's
/// final states (a bidirectional layer's two directions concatenated or summed), or through the learned bridge
/// <c>h0 = tanh(W_bh e + b_bh)</c>, <c>c0 = tanh(W_bc e + b_bc)</c> over e = the encoder's h_n; and the gradient back.
/// </summary>
internal static class BridgeEmitter
{
    public static void EmitStart(SourceWriter w, EncoderDecoderPlan plan)
    {
        string ro = $"global::System.ReadOnlySpan<{plan.T}>";
        string span = $"global::System.Span<{plan.T}>";
        if (plan.Decoder.Bridge)
        {
            w.Summary(
                "The decoder's initial states from the encoder's final ones through the bridge (spec key <c>decoder.bridge</c>), with e = <paramref name=\"hn\"/>:",
                "h0 = tanh(W_bh e + b_bh)" + (plan.DecoderCell > 0 ? ", c0 = tanh(W_bc e + b_bc); the encoder's cell states are not read." : "; the encoder's cell states are not read."));
            w.Line(EmitHelpers.AggressiveOptimization);
            w.Line($"private void StartStates({ro} hn, {ro} cn, {span} h0, {span} c0)");
            using (w.Block())
            {
                w.Line($"{ro} p = _parameters;");
                EmitLinearTanh(w, plan.BridgeHiddenWeight!, plan.BridgeHiddenBias!, "h0", "DecoderHiddenSize");
                if (plan.BridgeCellWeight is { } cellWeight)
                {
                    EmitLinearTanh(w, cellWeight, plan.BridgeCellBias!, "c0", "DecoderCellSize");
                }
            }

            return;
        }

        string merge = plan.Decoder.Merge == MergeKind.Concat ? "concatenated" : "summed";
        w.Summary(
            "The decoder's initial states from the encoder's final ones, layer by layer: decoder layer K starts from encoder layer K's",
            $"h_n (and c_n), a bidirectional layer's two directions {merge} (spec key <c>encoder.merge</c>).");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private static void StartStates({ro} hn, {ro} cn, {span} h0, {span} c0)");
        using (w.Block())
        {
            EmitMerge(w, plan, backward: false);
        }
    }

    public static void EmitStartBackward(SourceWriter w, EncoderDecoderPlan plan)
    {
        string ro = $"global::System.ReadOnlySpan<{plan.T}>";
        string span = $"global::System.Span<{plan.T}>";
        if (plan.Decoder.Bridge)
        {
            w.Summary(
                "The bridge's gradient: from dh0, dc0 (and the h0, c0 it made from e = <paramref name=\"hn\"/>), da = dh0 * (1 - h0^2); dW_bh += da e^T,",
                "db_bh += da, and dL/de = W_bh^T da (plus the cell part) into <paramref name=\"dhn\"/>. The encoder's cell states get no gradient.");
            w.Line(EmitHelpers.AggressiveOptimization);
            w.Line($"private void StartStatesBackward({ro} hn, {ro} h0, {ro} c0, {ro} dh0, {ro} dc0, {span} dhn, {span} dcn)");
            using (w.Block())
            {
                w.Line($"{ro} p = _parameters;");
                w.Line($"{span} g = _gradients;");
                w.Line("dhn.Clear();");
                w.Line("dcn.Clear();");
                EmitLinearTanhBackward(w, plan.BridgeHiddenWeight!, plan.BridgeHiddenBias!, "h0", "dh0", "DecoderHiddenSize");
                if (plan.BridgeCellWeight is { } cellWeight)
                {
                    EmitLinearTanhBackward(w, cellWeight, plan.BridgeCellBias!, "c0", "dc0", "DecoderCellSize");
                }
            }

            return;
        }

        w.Summary("The merge's gradient: each encoder layer's final states receive what their decoder layer's initial states got.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private static void StartStatesBackward({ro} hn, {ro} h0, {ro} c0, {ro} dh0, {ro} dc0, {span} dhn, {span} dcn)");
        using (w.Block())
        {
            EmitMerge(w, plan, backward: true);
        }
    }

    /// <summary>Forward: encoder layer K's final states into decoder layer K's initial ones; backward: their gradients the other way.</summary>
    private static void EmitMerge(SourceWriter w, EncoderDecoderPlan plan, bool backward)
    {
        foreach (LayerPlan source in plan.Encoder.Layers)
        {
            LayerPlan target = plan.DecoderStack.Layers[source.Index];
            bool sum = plan.Decoder.Merge == MergeKind.Sum && source.Directions.Count == 2;
            w.Line(source.Directions.Count == 1
                ? $"// layer {source.Index}: h" + (source.IsLstm ? " and c" : string.Empty) + " as they are"
                : $"// layer {source.Index}: " + (sum ? "h_fwd + h_bwd" : "[h_fwd, h_bwd]") + (source.IsLstm ? ", and c alike" : string.Empty));
            EmitMergeState(w, sum, backward, "hn", "h0", plan.Encoder.HiddenStateOffset(source), plan.DecoderStack.HiddenStateOffset(target), source.StateWidth, source.Directions.Count);
            if (source.IsLstm)
            {
                EmitMergeState(w, sum, backward, "cn", "c0", plan.Encoder.CellStateOffset(source), plan.DecoderStack.CellStateOffset(target), source.Hidden, source.Directions.Count);
            }
        }
    }

    private static void EmitMergeState(SourceWriter w, bool sum, bool backward, string final, string initial, int from, int to, int width, int directions)
    {
        if (!sum)
        {
            int length = directions * width;
            w.Line(backward
                ? $"d{initial}.Slice({to}, {length}).CopyTo(d{final}.Slice({from}, {length}));"
                : $"{final}.Slice({from}, {length}).CopyTo({initial}.Slice({to}, {length}));");
            return;
        }

        using (w.Block($"for (int j = 0; j < {width}; j++)", string.Empty))
        {
            if (backward)
            {
                w.Line($"d{final}[{from} + j] = d{initial}[{to} + j];");
                w.Line($"d{final}[{from + width} + j] = d{initial}[{to} + j];");
            }
            else
            {
                w.Line($"{initial}[{to} + j] = {final}[{from} + j] + {final}[{from + width} + j];");
            }
        }
    }

    private static void EmitLinearTanh(SourceWriter w, TensorPlan weight, TensorPlan bias, string output, string rows)
    {
        int columns = weight.Shape[1];
        w.Line($"// {output} = tanh({weight.Name} e + {bias.Name})");
        using (w.Block($"for (int row = 0; row < {rows}; row++)", string.Empty))
        {
            w.Line($"{output}[row] = {EmitHelpers.Tanh}(p[{bias.OffsetName} + row] + {EmitHelpers.Dot}(p.Slice({weight.OffsetName} + (row * {columns}), {columns}), hn));");
        }
    }

    private static void EmitLinearTanhBackward(SourceWriter w, TensorPlan weight, TensorPlan bias, string output, string gradient, string rows)
    {
        int columns = weight.Shape[1];
        w.Line($"// through tanh, then {weight.Name} and {bias.Name}");
        using (w.Block($"for (int row = 0; row < {rows}; row++)", string.Empty))
        {
            w.Line($"var da = {gradient}[row] * (1 - ({output}[row] * {output}[row]));");
            w.Line($"g[{bias.OffsetName} + row] += da;");
            w.Line($"{EmitHelpers.AddScaled}(g.Slice({weight.OffsetName} + (row * {columns}), {columns}), da, hn);");
            w.Line($"{EmitHelpers.AddScaled}(dhn, da, p.Slice({weight.OffsetName} + (row * {columns}), {columns}));");
        }
    }

    /// <summary>The bridge's tensors as <c>nn.Linear</c>'s: U(-1/√fan_in, 1/√fan_in) from the bridge's own stream of the seed.</summary>
    public static void EmitInitialize(SourceWriter w, EncoderDecoderPlan plan)
    {
        w.Summary("Draws the bridge's tensors as <c>nn.Linear</c> does, U(-1/√fan_in, 1/√fan_in), one draw per element in order.");
        w.Line($"private void InitializeBridge(int seed)");
        using (w.Block())
        {
            w.Line("var random = new global::RnnGen.InitRandom(seed);");
            w.Line($"global::System.Span<{plan.T}> p = _parameters;");
            foreach (TensorPlan tensor in plan.BridgeTensors)
            {
                InitEmitter.EmitTensor(w, tensor);
            }
        }
    }
}
