using System.Collections.Generic;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits one <c>LayerKStep</c> method per layer: a single time step of its cell, shared by both
/// directions (they differ only in the weights passed in) and by <c>Predict</c> and <c>Step</c>.
/// </summary>
internal static class CellEmitter
{
    public static void EmitStep(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        string t = plan.T;
        string ro = $"global::System.ReadOnlySpan<{t}>";
        string span = $"global::System.Span<{t}>";
        LayerSpec spec = layer.Spec;

        var parameters = new List<string> { $"{ro} weightIh", $"{ro} weightHh" };
        if (layer.HasBias)
        {
            parameters.Add($"{ro} bias");
        }

        if (layer.HasProjection)
        {
            parameters.Add($"{ro} weightHr");
        }

        if (spec.Peepholes)
        {
            parameters.Add($"{ro} peephole");
        }

        parameters.Add($"{ro} x");
        parameters.Add($"{ro} hPrev");
        parameters.Add($"{span} h");
        if (layer.IsLstm)
        {
            parameters.Add($"{span} c");
        }

        parameters.Add($"{span} gates");

        w.Summary(StepSummary(plan, layer));
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private static void {layer.StepMethod}({string.Join(", ", parameters)})");
        using (w.Block())
        {
            switch (spec.Cell)
            {
                case CellKind.Rnn:
                    EmitRnn(w, plan, layer);
                    break;
                case CellKind.Lstm:
                    EmitLstm(w, plan, layer);
                    break;
                default:
                    if (spec.Reset == GruReset.After)
                    {
                        EmitGruResetAfter(w, plan, layer);
                    }
                    else
                    {
                        EmitGruResetBefore(w, plan, layer);
                    }

                    break;
            }
        }
    }

    /// <summary>The gate pre-activation sum for one row, with the folded bias when the layer has biases.</summary>
    private static string GateSum(LayerPlan layer, string row)
    {
        string bias = layer.HasBias ? $"bias[{row}]\n    + " : string.Empty;
        return bias
            + $"{EmitHelpers.Dot}(weightIh.Slice({row} * {layer.InputWidth}, {layer.InputWidth}), x)\n"
            + $"    + {EmitHelpers.Dot}(weightHh.Slice({row} * {layer.StateWidth}, {layer.StateWidth}), hPrev);";
    }

    private static void WriteMultiline(SourceWriter w, string text)
    {
        foreach (string line in text.Split('\n'))
        {
            w.Line(line);
        }
    }

    private static string[] StepSummary(ModelPlan plan, LayerPlan layer)
    {
        LayerSpec spec = layer.Spec;
        string options = Options(spec);
        string header = $"One step of layer {layer.Index} ({CellName(spec.Cell)}, hidden {spec.Hidden}{options}, input {layer.InputWidth}; {plan.Spec.SpecFileName} line {spec.Line}).";
        string b = spec.Bias ? " + b_ih" : string.Empty;
        string bh = spec.Bias ? " + b_hh" : string.Empty;
        string shapes = $"x [{layer.InputWidth}], hPrev and h [{layer.StateWidth}], weightIh [{layer.GateRows}, {layer.InputWidth}], weightHh [{layer.GateRows}, {layer.StateWidth}]; h may alias hPrev.";
        switch (spec.Cell)
        {
            case CellKind.Rnn:
                string act = spec.Activation == RnnActivation.Relu ? "relu" : "tanh";
                return new[] { header, $"<code>h = {act}(W_ih x{b} + W_hh h'{bh})</code>", shapes };
            case CellKind.Lstm:
                var lines = new List<string>
                {
                    header,
                    $"Gate order i, f, g, o: <code>[i f g o] = W_ih x{b} + W_hh h'{bh}</code>,",
                    spec.Peepholes
                        ? "<code>i = sigmoid(. + P_i*c')</code>, <code>f = sigmoid(. + P_f*c')</code>, <code>g = tanh(.)</code>, <code>o = sigmoid(. + P_o*c)</code> (peepholes, ONNX's form),"
                        : "<code>i, f, o = sigmoid(.)</code>, <code>g = tanh(.)</code>,",
                    spec.CellClip is { } clip
                        ? $"<code>c = clamp(f*c' + i*g, -{Literals.Plain(clip)}, {Literals.Plain(clip)})</code> (cell_clip), " + HiddenEquation(layer)
                        : "<code>c = f*c' + i*g</code>, " + HiddenEquation(layer),
                    shapes + $" c [{spec.Hidden}] is updated in place.",
                };
                return lines.ToArray();
            default:
                string hn = spec.Reset == GruReset.After ? $"r*(W_hn h'{(spec.Bias ? " + b_hn" : string.Empty)})" : $"W_hn (r*h'){(spec.Bias ? " + b_hn" : string.Empty)}";
                return new[]
                {
                    header,
                    $"Gate order r, z, n: <code>r = sigmoid(W_ir x{(spec.Bias ? " + b_ir" : string.Empty)} + W_hr h'{(spec.Bias ? " + b_hr" : string.Empty)})</code>, <code>z</code> likewise,",
                    $"<code>n = tanh(W_in x{(spec.Bias ? " + b_in" : string.Empty)} + {hn})</code> (reset {(spec.Reset == GruReset.After ? "after" : "before")}), <code>h = (1-z)*n + z*h'</code>.",
                    shapes,
                };
        }
    }

    private static string HiddenEquation(LayerPlan layer) => layer.HasProjection
        ? $"<code>h = W_hr (o*tanh(c))</code> with W_hr [{layer.StateWidth}, {layer.Hidden}] (projection)."
        : "<code>h = o*tanh(c)</code>.";

    private static string Options(LayerSpec spec)
    {
        var options = new List<string>();
        if (!spec.Bias)
        {
            options.Add("no bias");
        }

        if (spec.Cell == CellKind.Rnn && spec.Activation == RnnActivation.Relu)
        {
            options.Add("relu");
        }

        if (spec.Projection > 0)
        {
            options.Add($"projection {spec.Projection}");
        }

        if (spec.Peepholes)
        {
            options.Add("peepholes");
        }

        if (spec.CellClip is not null)
        {
            options.Add("cell_clip");
        }

        if (spec.Cell == CellKind.Gru && spec.Reset == GruReset.Before)
        {
            options.Add("reset before");
        }

        return options.Count == 0 ? string.Empty : ", " + string.Join(", ", options);
    }

    private static void EmitRnn(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        int h = layer.Hidden;
        bool relu = layer.Spec.Activation == RnnActivation.Relu;
        w.Line($"// pre = W_ih x + W_hh h'{(layer.HasBias ? " + (b_ih + b_hh)" : string.Empty)}, one row per hidden unit");
        using (w.Block($"for (int row = 0; row < {h}; row++)", string.Empty))
        {
            WriteMultiline(w, "gates[row] = " + GateSum(layer, "row"));
        }

        w.Line();
        w.Line($"// h = {(relu ? "relu" : "tanh")}(pre), written only after every row has read h'");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line(relu
                ? $"h[j] = global::System.Math.Max(gates[j], {Literals.Real(0, plan.Spec.Precision)});"
                : $"h[j] = {EmitHelpers.Tanh}(gates[j]);");
        }
    }

    private static void EmitLstm(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        string t = plan.T;
        int h = layer.Hidden;
        LayerSpec spec = layer.Spec;
        w.Line($"// gates = W_ih x + W_hh h'{(layer.HasBias ? " + (b_ih + b_hh)" : string.Empty)}: rows [i | f | g | o], {h} each");
        using (w.Block($"for (int row = 0; row < {layer.GateRows}; row++)", string.Empty))
        {
            WriteMultiline(w, "gates[row] = " + GateSum(layer, "row"));
        }

        w.Line();
        string clipNote = spec.CellClip is null ? string.Empty : $", clamped to [-cell_clip, cell_clip] (unclamped kept in gates[{layer.RawCellOffset}..{layer.RawCellOffset + h}))";
        w.Line(layer.HasProjection
            ? $"// c = f*c' + i*g{clipNote}, m = o*tanh(c) kept in gates[{layer.GateRows}..{layer.GateRows + h}), unit by unit"
            : $"// c = f*c' + i*g{clipNote}, h = o*tanh(c), unit by unit");
        w.Line("// i, f, g, o replace their pre-activations in gates: the backward pass reads them there");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            string peepI = spec.Peepholes ? " + (peephole[j] * c[j])" : string.Empty;
            string peepF = spec.Peepholes ? $" + (peephole[{h} + j] * c[j])" : string.Empty;
            string peepO = spec.Peepholes ? $" + (peephole[{2 * h} + j] * cj)" : string.Empty;
            w.Line($"{t} i = {EmitHelpers.Sigmoid}(gates[j]{peepI});");
            w.Line($"{t} f = {EmitHelpers.Sigmoid}(gates[{h} + j]{peepF});");
            w.Line($"{t} g = {EmitHelpers.Tanh}(gates[{2 * h} + j]);");
            w.Line($"{t} cj = (f * c[j]) + (i * g);");
            if (spec.CellClip is { } clip)
            {
                string bound = Literals.Real(clip, plan.Spec.Precision);
                w.Line($"gates[{layer.RawCellOffset} + j] = cj;");
                w.Line($"cj = global::System.Math.Clamp(cj, -{bound}, {bound});");
            }

            w.Line("c[j] = cj;");
            w.Line($"{t} o = {EmitHelpers.Sigmoid}(gates[{3 * h} + j]{peepO});");
            w.Line("gates[j] = i;");
            w.Line($"gates[{h} + j] = f;");
            w.Line($"gates[{2 * h} + j] = g;");
            w.Line($"gates[{3 * h} + j] = o;");
            w.Line(layer.HasProjection
                ? $"gates[{layer.ProjectionInputOffset} + j] = o * {EmitHelpers.Tanh}(cj);"
                : $"h[j] = o * {EmitHelpers.Tanh}(cj);");
        }

        if (layer.HasProjection)
        {
            w.Line();
            w.Line($"// h = W_hr m: {layer.StateWidth} rows of {h}");
            using (w.Block($"for (int row = 0; row < {layer.StateWidth}; row++)", string.Empty))
            {
                w.Line($"h[row] = {EmitHelpers.Dot}(weightHr.Slice(row * {h}, {h}), gates.Slice({layer.GateRows}, {h}));");
            }
        }
    }

    private static void EmitGruResetAfter(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        string t = plan.T;
        int h = layer.Hidden;
        int rows = layer.GateRows;
        int input = layer.InputWidth;
        int state = layer.StateWidth;
        w.Line($"// gates[0, {rows}) = W_ih x and gates[{rows}, {2 * rows}) = W_hh h': rows [r | z | n], {h} each");
        using (w.Block($"for (int row = 0; row < {rows}; row++)", string.Empty))
        {
            w.Line($"gates[row] = {EmitHelpers.Dot}(weightIh.Slice(row * {input}, {input}), x);");
            w.Line($"gates[{rows} + row] = {EmitHelpers.Dot}(weightHh.Slice(row * {state}, {state}), hPrev);");
        }

        w.Line();
        w.Line(layer.HasBias
            ? "// bias holds [b_ir + b_hr | b_iz + b_hz | b_in | b_hn]; h = (1-z)*n + z*h', unit by unit"
            : "// h = (1-z)*n + z*h', unit by unit");
        string b0 = layer.HasBias ? " + bias[j]" : string.Empty;
        string b1 = layer.HasBias ? $" + bias[{h} + j]" : string.Empty;
        string bIn = layer.HasBias ? $" + bias[{2 * h} + j]" : string.Empty;
        string bHn = layer.HasBias ? $" + bias[{3 * h} + j]" : string.Empty;
        w.Line($"// r, z, n and W_hn h' + b_hn replace their pre-activations in gates: the backward pass reads them there");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line($"{t} r = {EmitHelpers.Sigmoid}(gates[j] + gates[{rows} + j]{b0});");
            w.Line($"{t} z = {EmitHelpers.Sigmoid}(gates[{h} + j] + gates[{rows + h} + j]{b1});");
            w.Line($"{t} hn = gates[{rows + (2 * h)} + j]{bHn};");
            w.Line($"{t} n = {EmitHelpers.Tanh}(gates[{2 * h} + j]{bIn} + (r * hn));");
            w.Line("gates[j] = r;");
            w.Line($"gates[{h} + j] = z;");
            w.Line($"gates[{2 * h} + j] = n;");
            w.Line($"gates[{rows + (2 * h)} + j] = hn;");
            w.Line("h[j] = ((1 - z) * n) + (z * hPrev[j]);");
        }
    }

    private static void EmitGruResetBefore(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        string t = plan.T;
        int h = layer.Hidden;
        int rows = layer.GateRows;
        int input = layer.InputWidth;
        int state = layer.StateWidth;
        int hidden = rows;
        int resetHidden = rows + (2 * h);
        w.Line($"// gates[0, {rows}) = W_ih x (rows [r | z | n]); gates[{hidden}, {hidden + (2 * h)}) = W_hh h' for r and z only");
        using (w.Block($"for (int row = 0; row < {rows}; row++)", string.Empty))
        {
            w.Line($"gates[row] = {EmitHelpers.Dot}(weightIh.Slice(row * {input}, {input}), x);");
        }

        using (w.Block($"for (int row = 0; row < {2 * h}; row++)", string.Empty))
        {
            w.Line($"gates[{hidden} + row] = {EmitHelpers.Dot}(weightHh.Slice(row * {state}, {state}), hPrev);");
        }

        w.Line();
        w.Line($"// r over W_ir x in gates[0, {h}), z over W_iz x in gates[{h}, {2 * h}), r*h' into gates[{resetHidden}, {resetHidden + h})");
        string b0 = layer.HasBias ? " + bias[j]" : string.Empty;
        string b1 = layer.HasBias ? $" + bias[{h} + j]" : string.Empty;
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line($"{t} r = {EmitHelpers.Sigmoid}(gates[j] + gates[{hidden} + j]{b0});");
            w.Line("gates[j] = r;");
            w.Line($"gates[{h} + j] = {EmitHelpers.Sigmoid}(gates[{h} + j] + gates[{hidden + h} + j]{b1});");
            w.Line($"gates[{resetHidden} + j] = r * hPrev[j];");
        }

        w.Line();
        string bIn = layer.HasBias ? $" + bias[{2 * h} + j]" : string.Empty;
        string bHn = layer.HasBias ? $" + bias[{3 * h} + j]" : string.Empty;
        w.Line(layer.HasBias
            ? "// n = tanh(W_in x + b_in + W_hn (r*h') + b_hn), over W_in x, bias holding [b_ir + b_hr | b_iz + b_hz | b_in | b_hn]; h = (1-z)*n + z*h'"
            : "// n = tanh(W_in x + W_hn (r*h')), over W_in x; h = (1-z)*n + z*h'");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line($"{t} z = gates[{h} + j];");
            w.Line($"{t} n = {EmitHelpers.Tanh}(gates[{2 * h} + j]{bIn} + {EmitHelpers.Dot}(weightHh.Slice(({2 * h} + j) * {state}, {state}), gates.Slice({resetHidden}, {h})){bHn});");
            w.Line($"gates[{2 * h} + j] = n;");
            w.Line("h[j] = ((1 - z) * n) + (z * hPrev[j]);");
        }
    }

    /// <summary>The argument list of a call to <see cref="LayerPlan.StepMethod"/> for one direction, in the order of its parameters.</summary>
    public static string StepArguments(LayerPlan layer, DirectionPlan direction, string x, string hPrev, string h, string c, string gates)
    {
        var arguments = new List<string>
        {
            $"p.Slice({direction.WeightIh.OffsetName}, {direction.WeightIh.Length})",
            $"p.Slice({direction.WeightHh.OffsetName}, {direction.WeightHh.Length})",
        };
        if (layer.HasBias)
        {
            arguments.Add($"bias.Slice({direction.FoldedBiasName}, {layer.FoldedBiasLength})");
        }

        if (direction.WeightHr is { } weightHr)
        {
            arguments.Add($"p.Slice({weightHr.OffsetName}, {weightHr.Length})");
        }

        if (direction.Peephole is { } peephole)
        {
            arguments.Add($"p.Slice({peephole.OffsetName}, {peephole.Length})");
        }

        arguments.Add(x);
        arguments.Add(hPrev);
        arguments.Add(h);
        if (layer.IsLstm)
        {
            arguments.Add(c);
        }

        arguments.Add(gates);
        return string.Join(", ", arguments);
    }

    public static string CellName(CellKind cell) => cell switch
    {
        CellKind.Rnn => "rnn",
        CellKind.Lstm => "lstm",
        _ => "gru",
    };
}
