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
        int h = layer.Hidden;
        int input = layer.InputWidth;
        int rows = layer.GateRows;
        LayerSpec spec = layer.Spec;

        w.Summary(StepSummary(plan, layer));
        w.Line(EmitHelpers.AggressiveOptimization);
        string cellParameter = spec.Cell == CellKind.Lstm ? $", {span} c" : string.Empty;
        w.Line($"private static void {layer.StepMethod}({ro} weightIh, {ro} weightHh, {ro} bias, {ro} x, {ro} hPrev, {span} h{cellParameter}, {span} gates)");
        using (w.Block())
        {
            switch (spec.Cell)
            {
                case CellKind.Rnn:
                    EmitRnn(w, t, h, input);
                    break;
                case CellKind.Lstm:
                    EmitLstm(w, t, h, input, rows);
                    break;
                default:
                    EmitGru(w, t, h, input, rows);
                    break;
            }
        }
    }

    private static string[] StepSummary(ModelPlan plan, LayerPlan layer)
    {
        LayerSpec spec = layer.Spec;
        string header = $"One step of layer {layer.Index} ({CellName(spec.Cell)}, hidden {spec.Hidden}, input {layer.InputWidth}; {plan.Spec.SpecFileName} line {spec.Line}).";
        string shapes = $"x [{layer.InputWidth}], hPrev and h [{spec.Hidden}], weightIh [{layer.GateRows}, {layer.InputWidth}], weightHh [{layer.GateRows}, {spec.Hidden}]; h may alias hPrev.";
        return spec.Cell switch
        {
            CellKind.Rnn => new[]
            {
                header,
                "<code>h = tanh(W_ih x + b_ih + W_hh h' + b_hh)</code>",
                shapes,
            },
            CellKind.Lstm => new[]
            {
                header,
                "Gate order i, f, g, o: <code>[i f g o] = W_ih x + b_ih + W_hh h' + b_hh</code>,",
                "<code>i, f, o = sigmoid(.)</code>, <code>g = tanh(.)</code>, <code>c = f*c' + i*g</code>, <code>h = o*tanh(c)</code>.",
                shapes + " c [" + spec.Hidden + "] is updated in place.",
            },
            _ => new[]
            {
                header,
                "Gate order r, z, n: <code>r = sigmoid(W_ir x + b_ir + W_hr h' + b_hr)</code>, <code>z = sigmoid(W_iz x + b_iz + W_hz h' + b_hz)</code>,",
                "<code>n = tanh(W_in x + b_in + r*(W_hn h' + b_hn))</code>, <code>h = (1-z)*n + z*h'</code>.",
                shapes,
            },
        };
    }

    private static void EmitRnn(SourceWriter w, string t, int h, int input)
    {
        w.Line("// pre = W_ih x + W_hh h' + (b_ih + b_hh), one row per hidden unit");
        using (w.Block($"for (int row = 0; row < {h}; row++)", string.Empty))
        {
            w.Line($"gates[row] = bias[row]");
            w.Line($"    + {EmitHelpers.Dot}(weightIh.Slice(row * {input}, {input}), x)");
            w.Line($"    + {EmitHelpers.Dot}(weightHh.Slice(row * {h}, {h}), hPrev);");
        }

        w.Line();
        w.Line("// h = tanh(pre), written only after every row has read h'");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line($"h[j] = {EmitHelpers.Tanh}(gates[j]);");
        }
    }

    private static void EmitLstm(SourceWriter w, string t, int h, int input, int rows)
    {
        w.Line($"// gates = W_ih x + W_hh h' + (b_ih + b_hh): rows [i | f | g | o], {h} each");
        using (w.Block($"for (int row = 0; row < {rows}; row++)", string.Empty))
        {
            w.Line($"gates[row] = bias[row]");
            w.Line($"    + {EmitHelpers.Dot}(weightIh.Slice(row * {input}, {input}), x)");
            w.Line($"    + {EmitHelpers.Dot}(weightHh.Slice(row * {h}, {h}), hPrev);");
        }

        w.Line();
        w.Line("// c = f*c' + i*g, h = o*tanh(c), unit by unit");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line($"{t} i = {EmitHelpers.Sigmoid}(gates[j]);");
            w.Line($"{t} f = {EmitHelpers.Sigmoid}(gates[{h} + j]);");
            w.Line($"{t} g = {EmitHelpers.Tanh}(gates[{2 * h} + j]);");
            w.Line($"{t} o = {EmitHelpers.Sigmoid}(gates[{3 * h} + j]);");
            w.Line($"{t} cj = (f * c[j]) + (i * g);");
            w.Line("c[j] = cj;");
            w.Line($"h[j] = o * {EmitHelpers.Tanh}(cj);");
        }
    }

    private static void EmitGru(SourceWriter w, string t, int h, int input, int rows)
    {
        w.Line($"// gates[0, {rows}) = W_ih x and gates[{rows}, {2 * rows}) = W_hh h': rows [r | z | n], {h} each");
        using (w.Block($"for (int row = 0; row < {rows}; row++)", string.Empty))
        {
            w.Line($"gates[row] = {EmitHelpers.Dot}(weightIh.Slice(row * {input}, {input}), x);");
            w.Line($"gates[{rows} + row] = {EmitHelpers.Dot}(weightHh.Slice(row * {h}, {h}), hPrev);");
        }

        w.Line();
        w.Line("// bias holds [b_ir + b_hr | b_iz + b_hz | b_in | b_hn]; h = (1-z)*n + z*h', unit by unit");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line($"{t} r = {EmitHelpers.Sigmoid}(gates[j] + gates[{rows} + j] + bias[j]);");
            w.Line($"{t} z = {EmitHelpers.Sigmoid}(gates[{h} + j] + gates[{rows + h} + j] + bias[{h} + j]);");
            w.Line($"{t} n = {EmitHelpers.Tanh}(gates[{2 * h} + j] + bias[{2 * h} + j] + (r * (gates[{rows + (2 * h)} + j] + bias[{3 * h} + j])));");
            w.Line($"h[j] = ((1 - z) * n) + (z * hPrev[j]);");
        }
    }

    public static string CellName(CellKind cell) => cell switch
    {
        CellKind.Rnn => "rnn",
        CellKind.Lstm => "lstm",
        _ => "gru",
    };
}
