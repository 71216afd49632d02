using System.Collections.Generic;
using System.Linq;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits backpropagation through time for one layer: <c>LayerKBackwardStep</c> (the gradient of
/// one cell step, from the activations the forward step left in its gate scratch) and
/// <c>LayerKBackwardRun</c> (every step in reverse order of the forward pass, both directions).
/// </summary>
internal static class BackwardEmitter
{
    /// <summary>One parameter of a backward step and the expression a run passes for it.</summary>
    private sealed record Argument(string Type, string Name, string Value);

    public static string StepMethod(LayerPlan layer) => $"Layer{layer.KernelIndex}BackwardStep";

    public static string RunMethod(LayerPlan layer) => $"Layer{layer.Index}BackwardRun";

    /// <summary>Whether the layer passes a gradient to its input: every layer but a first one reading features.</summary>
    public static bool HasInputGradient(ModelPlan plan, LayerPlan layer) => layer.Index > 0 || plan.IsTokens;

    private static List<Argument> Arguments(ModelPlan plan, LayerPlan layer, DirectionPlan direction)
    {
        string ro = $"global::System.ReadOnlySpan<{plan.T}>";
        string span = $"global::System.Span<{plan.T}>";
        var list = new List<Argument>
        {
            new(ro, "weightIh", $"p.Slice({direction.WeightIh.OffsetName}, {direction.WeightIh.Length})"),
            new(ro, "weightHh", $"p.Slice({direction.WeightHh.OffsetName}, {direction.WeightHh.Length})"),
        };
        if (direction.WeightHr is { } hr)
        {
            list.Add(new(ro, "weightHr", $"p.Slice({hr.OffsetName}, {hr.Length})"));
        }

        if (direction.Peephole is { } peephole)
        {
            list.Add(new(ro, "peephole", $"p.Slice({peephole.OffsetName}, {peephole.Length})"));
        }

        list.Add(new(span, "gradWeightIh", $"g.Slice({direction.WeightIh.OffsetName}, {direction.WeightIh.Length})"));
        list.Add(new(span, "gradWeightHh", $"g.Slice({direction.WeightHh.OffsetName}, {direction.WeightHh.Length})"));
        if (direction.BiasIh is { } bih && direction.BiasHh is { } bhh)
        {
            list.Add(new(span, "gradBiasIh", $"g.Slice({bih.OffsetName}, {bih.Length})"));
            list.Add(new(span, "gradBiasHh", $"g.Slice({bhh.OffsetName}, {bhh.Length})"));
        }

        if (direction.WeightHr is { } gradHr)
        {
            list.Add(new(span, "gradWeightHr", $"g.Slice({gradHr.OffsetName}, {gradHr.Length})"));
        }

        if (direction.Peephole is { } gradPeephole)
        {
            list.Add(new(span, "gradPeephole", $"g.Slice({gradPeephole.OffsetName}, {gradPeephole.Length})"));
        }

        list.Add(new(ro, "x", "x"));
        list.Add(new(ro, "hPrev", "hPrev"));
        if (layer.Spec.Cell == CellKind.Rnn)
        {
            list.Add(new(ro, "h", "h"));
        }

        if (layer.IsLstm)
        {
            list.Add(new(ro, "cPrev", "cPrev"));
            list.Add(new(ro, "c", "c"));
        }

        list.Add(new(ro, "cache", "cache"));
        list.Add(new(ro, "dh", "dh"));
        if (layer.IsLstm)
        {
            list.Add(new(span, "dc", "dc"));
        }

        list.Add(new(span, "dhPrev", "dhNext"));
        if (HasInputGradient(plan, layer))
        {
            list.Add(new(span, "dx", "dx"));
        }

        list.Add(new(span, "scratch", "scratch"));
        return list;
    }

    public static void EmitStep(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        List<Argument> arguments = Arguments(plan, layer, layer.Directions[0]);
        bool dx = HasInputGradient(plan, layer);
        string parameters = string.Join(", ", arguments.Select(a => $"{a.Type} {a.Name}"));
        w.Summary(
            $"The gradient of one step of layer {layer.Index} ({CellEmitter.CellName(layer.Spec.Cell)}, {plan.Spec.SpecFileName} line {layer.Spec.Line}): from dh = dL/dh(t)"
                + (layer.IsLstm ? " and dc = dL/dc(t) (replaced by dL/dc(t-1))" : string.Empty) + ",",
            "adds dL/dW to the grad spans, dL/dh(t-1) to dhPrev" + (dx ? " and dL/dx(t) to dx" : string.Empty) + ". <paramref name=\"cache\"/> holds what the",
            $"forward step left in its gate scratch ({CacheText(layer)}). The gate derivatives are scalar code; the products",
            "with W^T and the outer products dW += da x^T are emitted per instruction set.");
        CellEmitter.EmitDispatcher(w, plan, StepMethod(layer), arguments.Select(a => $"{a.Type} {a.Name}").ToList());

        foreach (Isa isa in plan.Isas)
        {
            var simd = new Simd(plan.Spec.Precision, isa);
            w.Line();
            w.Summary($"<see cref=\"{StepMethod(layer)}\"/> with {isa.Description}.");
            w.Line(EmitHelpers.AggressiveOptimization);
            w.Line($"private static void {StepMethod(layer)}{isa.Suffix}({parameters})");
            using (w.Block())
            {
                EmitReferences(w, plan, layer, simd);
                switch (layer.Spec.Cell)
                {
                    case CellKind.Rnn:
                        EmitRnn(w, plan, layer, simd);
                        break;
                    case CellKind.Lstm:
                        EmitLstm(w, plan, layer, simd);
                        break;
                    default:
                        if (layer.Spec.Reset == GruReset.After)
                        {
                            EmitGruAfter(w, plan, layer, simd);
                        }
                        else
                        {
                            EmitGruBefore(w, plan, layer, simd);
                        }

                        break;
                }
            }
        }
    }

    /// <summary>The element references the products read and write, each behind a slice that proves its length.</summary>
    private static void EmitReferences(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd)
    {
        int rows = layer.GateRows;
        int input = layer.InputWidth;
        int state = layer.StateWidth;
        w.Line(simd.Reference("wHh", "weightHh", rows * state));
        w.Line(simd.Reference("gradHh", "gradWeightHh", rows * state));
        w.Line(simd.Reference("gradIh", "gradWeightIh", rows * input));
        w.Line(simd.Reference("xIn", "x", input));
        w.Line(simd.Reference("hIn", "hPrev", state));
        w.Line(simd.Reference("dhOut", "dhPrev", state));
        if (HasInputGradient(plan, layer))
        {
            w.Line(simd.Reference("wIh", "weightIh", rows * input));
            w.Line(simd.Reference("dxOut", "dx", input));
        }

        if (layer.HasProjection)
        {
            w.Line(simd.Reference("wHr", "weightHr", state * layer.Hidden));
            w.Line(simd.Reference("gradHr", "gradWeightHr", state * layer.Hidden));
        }

        w.Line();
    }

    private static string CacheText(LayerPlan layer) => layer.Spec.Cell switch
    {
        CellKind.Lstm => "i, f, g, o" + (layer.HasProjection ? ", then m = o*tanh(c)" : string.Empty) + (layer.Spec.CellClip is null ? string.Empty : ", then c before clamping"),
        CellKind.Gru when layer.Spec.Reset == GruReset.After => "r, z, n in the input half; W_hn h' + b_hn in the last third of the hidden half",
        CellKind.Gru => "r, z, n in the input half; r*h' in the last third of the hidden half",
        _ => "unused: h is enough",
    };

    /// <summary>The rows shared by every cell: dW_ih += da x', dW_hh += da h'', db += da, dh' += W_hh' da, dx += W_ih' da.</summary>
    private static void EmitGateRows(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, string gradients, string hiddenGradients, int rows)
    {
        int input = layer.InputWidth;
        int state = layer.StateWidth;
        ProductEmitter.EmitOuter(w, simd, $"dW_ih += {gradients} x^T", rows, input, "gradIh", gradients, "xIn");
        ProductEmitter.EmitOuter(w, simd, $"dW_hh += {hiddenGradients} h'^T", rows, state, "gradHh", hiddenGradients, "hIn");
        EmitBiasRows(w, layer, simd, gradients, hiddenGradients, rows);
        ProductEmitter.Emit(w, simd, plan.PanelWidth, new Product(
            $"dh' += W_hh^T {hiddenGradients}: W_hh [{rows}, {state}] as PyTorch stores it", rows, state, 0, state, "wHh", hiddenGradients, "dhOut", 0, ProductStart.Accumulate, Packed: false));
        EmitInputGradient(w, plan, layer, simd, gradients);
    }

    private static void EmitBiasRows(SourceWriter w, LayerPlan layer, Simd simd, string gradients, string hiddenGradients, int rows)
    {
        if (!layer.HasBias)
        {
            return;
        }

        w.Line($"// db_ih += {gradients}, db_hh += {hiddenGradients}");
        w.Line(simd.Reference("gradBi", "gradBiasIh", rows));
        w.Line(simd.Reference("gradBh", "gradBiasHh", rows));
        w.Line(simd.Reference("gi0", gradients, rows));
        w.Line(simd.Reference("gh0", hiddenGradients, rows));
        CellEmitter.Lanes(w, simd, rows, (j, l) =>
        {
            w.Line(simd.Store("gradBi", j, l, $"{simd.Load("gradBi", j, l)} + {simd.Load("gi0", j, l)}"));
            w.Line(simd.Store("gradBh", j, l, $"{simd.Load("gradBh", j, l)} + {simd.Load("gh0", j, l)}"));
        });
    }

    private static void EmitInputGradient(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, string gradients)
    {
        if (!HasInputGradient(plan, layer))
        {
            return;
        }

        ProductEmitter.Emit(w, simd, plan.PanelWidth, new Product(
            $"dx += W_ih^T {gradients}: W_ih [{layer.GateRows}, {layer.InputWidth}] as PyTorch stores it", layer.GateRows, layer.InputWidth, 0, layer.InputWidth, "wIh", gradients, "dxOut", 0, ProductStart.Accumulate, Packed: false));
    }

    private static void EmitRnn(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd)
    {
        int h = layer.Hidden;
        bool relu = layer.Spec.Activation == RnnActivation.Relu;
        string zero = Literals.Real(0, plan.Spec.Precision);
        w.Line(relu ? "// da = dh * relu'(a), 1 where h > 0" : "// da = dh * (1 - h^2), the derivative of tanh");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line(relu ? $"scratch[j] = h[j] > {zero} ? dh[j] : {zero};" : "scratch[j] = dh[j] * (1 - (h[j] * h[j]));");
        }

        w.Line();
        EmitGateRows(w, plan, layer, simd, "scratch", "scratch", h);
    }

    private static void EmitLstm(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd)
    {
        string t = plan.T;
        int h = layer.Hidden;
        LayerSpec spec = layer.Spec;
        string dm = "dh";
        if (layer.HasProjection)
        {
            int p = layer.StateWidth;
            dm = "dm";
            w.Line($"// h = W_hr m: dm = W_hr^T dh (in scratch[{layer.GateRows}..{layer.GateRows + h})), dW_hr += dh m^T");
            w.Line($"global::System.Span<{t}> dm = scratch.Slice({layer.GateRows}, {h});");
            w.Line(simd.Reference("dmOut", "dm", h));
            w.Line(simd.Reference("mIn", $"cache.Slice({layer.ProjectionInputOffset}, {h})", h));
            ProductEmitter.Emit(w, simd, plan.PanelWidth, new Product(
                $"dm = W_hr^T dh: W_hr [{p}, {h}] as PyTorch stores it", p, h, 0, h, "wHr", "dh", "dmOut", 0, ProductStart.Zero, Packed: false));
            ProductEmitter.EmitOuter(w, simd, "dW_hr += dh m^T", p, h, "gradHr", "dh", "mIn");
            w.Line();
        }

        w.Line("// through h = o*tanh(c) and c = f*c' + i*g to the gate pre-activations da = [dai | daf | dag | dao]");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line($"{t} i = cache[j];");
            w.Line($"{t} f = cache[{h} + j];");
            w.Line($"{t} g = cache[{2 * h} + j];");
            w.Line($"{t} o = cache[{3 * h} + j];");
            w.Line($"{t} cj = c[j];");
            w.Line($"{t} cp = cPrev[j];");
            w.Line($"{t} tc = {EmitHelpers.Tanh}(cj);");
            w.Line($"{t} dmj = {dm}[j];");
            w.Line($"{t} dao = dmj * tc * o * (1 - o);");
            w.Line($"{t} dcj = dc[j] + (dmj * o * (1 - (tc * tc)))" + (spec.Peepholes ? $" + (dao * peephole[{2 * h} + j]);" : ";"));
            if (spec.CellClip is { } clip)
            {
                string bound = Literals.Real(clip, plan.Spec.Precision);
                w.Line($"{t} raw = cache[{layer.RawCellOffset} + j];");
                using (w.Block($"if (raw < -{bound} || raw > {bound})", string.Empty))
                {
                    w.Line("// the clamp passes no gradient where it clipped");
                    w.Line("dcj = 0;");
                }
            }

            w.Line($"{t} dai = dcj * g * i * (1 - i);");
            w.Line($"{t} daf = dcj * cp * f * (1 - f);");
            w.Line($"{t} dag = dcj * i * (1 - (g * g));");
            w.Line("dc[j] = (dcj * f)" + (spec.Peepholes ? $" + (dai * peephole[j]) + (daf * peephole[{h} + j]);" : ";"));
            if (spec.Peepholes)
            {
                w.Line("gradPeephole[j] += dai * cp;");
                w.Line($"gradPeephole[{h} + j] += daf * cp;");
                w.Line($"gradPeephole[{2 * h} + j] += dao * cj;");
            }

            w.Line("scratch[j] = dai;");
            w.Line($"scratch[{h} + j] = daf;");
            w.Line($"scratch[{2 * h} + j] = dag;");
            w.Line($"scratch[{3 * h} + j] = dao;");
        }

        w.Line();
        EmitGateRows(w, plan, layer, simd, "scratch", "scratch", layer.GateRows);
    }

    private static void EmitGruAfter(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd)
    {
        string t = plan.T;
        int h = layer.Hidden;
        int rows = layer.GateRows;
        w.Line($"// h = (1-z)*n + z*h', n = tanh(a_n), a_n = W_in x + b_in + r*hn: input-side gradients in scratch[0..{rows}), hidden-side in scratch[{rows}..{2 * rows})");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line($"{t} r = cache[j];");
            w.Line($"{t} z = cache[{h} + j];");
            w.Line($"{t} n = cache[{2 * h} + j];");
            w.Line($"{t} hn = cache[{rows + (2 * h)} + j];");
            w.Line($"{t} d = dh[j];");
            w.Line($"{t} dan = d * (1 - z) * (1 - (n * n));");
            w.Line($"{t} daz = d * (hPrev[j] - n) * z * (1 - z);");
            w.Line($"{t} dar = dan * hn * r * (1 - r);");
            w.Line("scratch[j] = dar;");
            w.Line($"scratch[{h} + j] = daz;");
            w.Line($"scratch[{2 * h} + j] = dan;");
            w.Line($"scratch[{rows} + j] = dar;");
            w.Line($"scratch[{rows + h} + j] = daz;");
            w.Line($"scratch[{rows + (2 * h)} + j] = dan * r;");
            w.Line("dhPrev[j] += d * z;");
        }

        w.Line();
        w.Line($"global::System.ReadOnlySpan<{t}> gi = scratch.Slice(0, {rows});");
        w.Line($"global::System.ReadOnlySpan<{t}> gh = scratch.Slice({rows}, {rows});");
        EmitGateRows(w, plan, layer, simd, "gi", "gh", rows);
    }

    private static void EmitGruBefore(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd)
    {
        string t = plan.T;
        int h = layer.Hidden;
        int rows = layer.GateRows;
        int state = layer.StateWidth;
        int input = layer.InputWidth;
        bool dx = HasInputGradient(plan, layer);
        int drh = 2 * rows;
        w.Line($"// h = (1-z)*n + z*h', n = tanh(W_in x + b_in + W_hn (r*h') + b_hn): da_n and da_z first, d(r*h') = W_hn^T da_n in scratch[{drh}..{drh + h})");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line($"{t} z = cache[{h} + j];");
            w.Line($"{t} n = cache[{2 * h} + j];");
            w.Line($"{t} d = dh[j];");
            w.Line($"{t} dan = d * (1 - z) * (1 - (n * n));");
            w.Line($"{t} daz = d * (hPrev[j] - n) * z * (1 - z);");
            w.Line($"scratch[{h} + j] = daz;");
            w.Line($"scratch[{2 * h} + j] = dan;");
            w.Line($"scratch[{rows + h} + j] = daz;");
            w.Line($"scratch[{rows + (2 * h)} + j] = dan;");
            w.Line("dhPrev[j] += d * z;");
        }

        w.Line($"global::System.Span<{t}> drh = scratch.Slice({drh}, {h});");
        w.Line($"global::System.ReadOnlySpan<{t}> daN = scratch.Slice({2 * h}, {h});");
        w.Line(simd.Reference("drhOut", "drh", h));
        ProductEmitter.Emit(w, simd, plan.PanelWidth, new Product(
            $"d(r*h') = W_hn^T da_n: rows [{2 * h}, {rows}) of W_hh as PyTorch stores it", h, state, 0, state, "wHh", "daN", "drhOut", 0, ProductStart.Zero, Packed: false, WeightsOffset: 2 * h * state));
        w.Line();
        w.Line("// through r*h': dr = d(r*h') * h', dh' += d(r*h') * r");
        using (w.Block($"for (int j = 0; j < {h}; j++)", string.Empty))
        {
            w.Line($"{t} r = cache[j];");
            w.Line($"{t} dar = drh[j] * hPrev[j] * r * (1 - r);");
            w.Line("scratch[j] = dar;");
            w.Line($"scratch[{rows} + j] = dar;");
            w.Line("dhPrev[j] += drh[j] * r;");
        }

        w.Line();
        w.Line($"global::System.ReadOnlySpan<{t}> gi = scratch.Slice(0, {rows});");
        w.Line($"global::System.ReadOnlySpan<{t}> gh = scratch.Slice({rows}, {rows});");
        w.Line($"global::System.ReadOnlySpan<{t}> rh = cache.Slice({rows + (2 * h)}, {h});");
        w.Line($"global::System.ReadOnlySpan<{t}> ghRz = gh.Slice(0, {2 * h});");
        w.Line($"global::System.ReadOnlySpan<{t}> ghN = gh.Slice({2 * h}, {h});");
        w.Line(simd.Reference("rhIn", "rh", h));
        w.Line($"ref {t} gradHhN = ref {Simd.Unsafe}.Add(ref gradHh, {2 * h * state});");
        ProductEmitter.EmitOuter(w, simd, "dW_ih += gi x^T", rows, input, "gradIh", "gi", "xIn");
        EmitBiasRows(w, layer, simd, "gi", "gh", rows);
        EmitInputGradient(w, plan, layer, simd, "gi");
        w.Line("// the r and z rows of W_hh read h', the n rows read r*h' (their dh' share went through d(r*h') above)");
        ProductEmitter.EmitOuter(w, simd, "dW_hh[r, z rows] += gh h'^T", 2 * h, state, "gradHh", "ghRz", "hIn");
        ProductEmitter.EmitOuter(w, simd, "dW_hh[n rows] += gh (r*h')^T", h, state, "gradHhN", "ghN", "rhIn");
        ProductEmitter.Emit(w, simd, plan.PanelWidth, new Product(
            $"dh' += W_hh[r, z rows]^T gh", 2 * h, state, 0, state, "wHh", "ghRz", "dhOut", 0, ProductStart.Accumulate, Packed: false));
    }

    public static void EmitRun(SourceWriter w, ModelPlan plan, TrainingPlan training, LayerPlan layer)
    {
        string t = plan.T;
        string ro = $"global::System.ReadOnlySpan<{t}>";
        string span = $"global::System.Span<{t}>";
        int steps = plan.Spec.Sequence;
        int s = layer.StateWidth;
        int h = layer.Hidden;
        int width = layer.Width;
        int input = layer.InputWidth;
        int gs = layer.GateScratch;
        bool tokens = plan.IsTokens && layer.Index == 0;
        bool dx = HasInputGradient(plan, layer);
        int maxS = training.MaxStateWidth;

        w.Summary(
            $"Backpropagates layer {layer.Index} through time: from <paramref name=\"dOutput\"/> = dL/d(output) [{steps}, {width}], adds every parameter's",
            "gradient to <see cref=\"Gradients\"/>" + (dx ? $" and writes dL/d(input) [{steps}, {input}] to <paramref name=\"dInput\"/>." : "."),
            "Each direction runs its steps in the reverse order of its forward pass, over the first <paramref name=\"length\"/> steps,",
            "and leaves dL/dh0 (and dL/dc0) of its start in <paramref name=\"dh0\"/> (<paramref name=\"dc0\"/>) unless they are empty.");
        w.Line(EmitHelpers.AggressiveOptimization);
        string inputType = tokens ? "global::System.ReadOnlySpan<int>" : ro;
        // An encoder's lstm layer also starts from dL/dc of its final cell states, which its decoder's gradient gives.
        bool finalCellGradient = plan.Spec.Role == ModelRole.Encoder && layer.IsLstm;
        w.Line($"private void {RunMethod(layer)}({inputType} input, {ro} output, {ro} caches, {ro} cells, {ro} dOutput, {span} dInput, {span} work, int length, {ro} h0, {ro} c0, {span} dh0, {span} dc0{(finalCellGradient ? $", {ro} dcn" : string.Empty)})");
        using (w.Block())
        {
            w.Line($"{ro} p = _parameters;");
            w.Line($"{span} g = _gradients;");
            w.Line($"{span} zero = work.Slice(0, {plan.MaxHidden});");
            w.Line($"{span} dh = work.Slice({plan.MaxHidden}, {s});");
            w.Line($"{span} dhNext = work.Slice({plan.MaxHidden + maxS}, {s});");
            if (layer.IsLstm)
            {
                w.Line($"{span} dc = work.Slice({plan.MaxHidden + (2 * maxS)}, {h});");
            }

            w.Line($"{span} scratch = work.Slice({(2 * plan.MaxHidden) + (2 * maxS)}, {TrainingPlan.BackwardScratch(layer)});");
            w.Line("zero.Clear();");
            if (dx)
            {
                w.Line("dInput.Clear();");
            }

            foreach (DirectionPlan direction in layer.Directions)
            {
                int offset = direction.Reverse ? s : 0;
                int d = direction.Index;
                w.Line();
                w.Line(direction.Reverse
                    ? "// reverse direction: its forward pass read t = length-1..0, so its gradient flows t = 0..length-1"
                    : "// forward direction: t = length-1..0");
                w.Line("dhNext.Clear();");
                if (finalCellGradient)
                {
                    w.Line("// dL/dc of the final cell state comes from the decoder (dcn); none without it");
                    using (w.Block("if (dcn.IsEmpty)", string.Empty))
                    {
                        w.Line("dc.Clear();");
                    }

                    using (w.Block("else", string.Empty))
                    {
                        w.Line($"dcn.Slice({d * h}, {h}).CopyTo(dc);");
                    }
                }
                else if (layer.IsLstm)
                {
                    w.Line("dc.Clear();");
                }

                w.Line($"{ro} start{d} = h0.IsEmpty ? zero.Slice(0, {s}) : h0.Slice({d * s}, {s});");
                if (layer.IsLstm)
                {
                    w.Line($"{ro} cellStart{d} = c0.IsEmpty ? zero.Slice(0, {h}) : c0.Slice({d * h}, {h});");
                }

                string loop = direction.Reverse
                    ? "for (int step = 0; step < length; step++)"
                    : "for (int step = length - 1; step >= 0; step--)";
                string first = direction.Reverse ? "step == length - 1" : "step == 0";
                string previous = direction.Reverse ? "step + 1" : "step - 1";
                using (w.Block(loop, string.Empty))
                {
                    w.Line(tokens
                        ? $"{ro} x = p.Slice(EmbeddingWeight + (input[step] * {input}), {input});"
                        : $"{ro} x = input.Slice(step * {input}, {input});");
                    w.Line($"{ro} hPrev = {first} ? start{d} : output.Slice((({previous}) * {width}) + {offset}, {s});");
                    if (layer.Spec.Cell == CellKind.Rnn)
                    {
                        w.Line($"{ro} h = output.Slice((step * {width}) + {offset}, {s});");
                    }

                    if (layer.IsLstm)
                    {
                        w.Line($"{ro} cPrev = {first} ? cellStart{d} : cells.Slice(({d * steps} + {previous}) * {h}, {h});");
                        w.Line($"{ro} c = cells.Slice(({d * steps} + step) * {h}, {h});");
                    }

                    w.Line($"{ro} cache = caches.Slice(({d * steps} + step) * {gs}, {gs});");
                    if (dx)
                    {
                        w.Line($"{span} dx = dInput.Slice(step * {input}, {input});");
                    }

                    using (w.Block($"for (int j = 0; j < {s}; j++)", string.Empty))
                    {
                        w.Line($"dh[j] = dOutput[(step * {width}) + {offset} + j] + dhNext[j];");
                    }

                    w.Line("dhNext.Clear();");
                    w.Line($"{StepMethod(layer)}({string.Join(", ", Arguments(plan, layer, direction).Select(a => a.Value))});");
                }

                w.Line("// what reached h(-1) is dL/dh0" + (layer.IsLstm ? ", and dc holds dL/dc0" : string.Empty));
                using (w.Block("if (!dh0.IsEmpty)", string.Empty))
                {
                    w.Line($"dhNext.CopyTo(dh0.Slice({d * s}, {s}));");
                }

                if (layer.IsLstm)
                {
                    using (w.Block("if (!dc0.IsEmpty)", string.Empty))
                    {
                        w.Line($"dc.CopyTo(dc0.Slice({d * h}, {h}));");
                    }
                }
            }
        }
    }
}
