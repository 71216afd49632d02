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

    /// <summary>The arguments of a call to <see cref="StepMethod"/> or <see cref="StepGroupMethod"/> for one direction, from locals named as its parameters.</summary>
    public static string StepCallArguments(ModelPlan plan, LayerPlan layer, DirectionPlan direction) =>
        string.Join(", ", Arguments(plan, layer, direction).Select(a => a.Value));

    /// <summary>Whether the layer passes a gradient to its input: every layer but a first one reading features.</summary>
    public static bool HasInputGradient(ModelPlan plan, LayerPlan layer) => layer.Index > 0 || plan.IsTokens;

    /// <summary>
    /// The weight-gradient product of a gradient [rows, columns], named by its shape alone: every layer, direction and
    /// weight of that shape (W_ih and W_hh when the input is as wide as the state) shares one.
    /// </summary>
    private static string WeightGradientMethod(int rows, int columns) => $"WeightGradient{rows}x{columns}";

    private static string BiasGradientMethod(int rows) => $"BiasGradient{rows}";

    /// <summary>The shapes of every weight-gradient product a layer calls: W_ih, W_hh (a gru-before's r, z rows and n rows apart).</summary>
    private static IEnumerable<(int Rows, int Columns)> WeightGradientShapes(LayerPlan layer)
    {
        yield return (layer.GateRows, layer.InputWidth);
        yield return (HiddenRows(layer), layer.StateWidth);
        if (IsGruBefore(layer))
        {
            yield return (layer.Hidden, layer.StateWidth);
        }
    }

    /// <summary>Where the hidden-side gate derivatives start in a step's row of dA: a gru keeps them apart from the input side.</summary>
    private static int HiddenColumn(LayerPlan layer) => layer.Spec.Cell == CellKind.Gru ? layer.GateRows : 0;

    /// <summary>Rows of W_hh whose gradient reads h': all of them, but for a gru with reset before only the r and z rows (the n rows read r*h').</summary>
    private static int HiddenRows(LayerPlan layer) => IsGruBefore(layer) ? 2 * layer.Hidden : layer.GateRows;

    private static bool IsGruBefore(LayerPlan layer) => layer.Spec.Cell == CellKind.Gru && layer.Spec.Reset == GruReset.Before;

    private static List<Argument> Arguments(ModelPlan plan, LayerPlan layer, DirectionPlan direction)
    {
        string ro = $"global::System.ReadOnlySpan<{plan.T}>";
        string span = $"global::System.Span<{plan.T}>";
        bool dx = HasInputGradient(plan, layer);
        var list = new List<Argument>();
        if (dx)
        {
            list.Add(new(ro, "weightIh", $"p.Slice({direction.WeightIh.OffsetName}, {direction.WeightIh.Length})"));
        }

        list.Add(new(ro, "weightHh", $"p.Slice({direction.WeightHh.OffsetName}, {direction.WeightHh.Length})"));
        if (direction.WeightHr is { } hr)
        {
            list.Add(new(ro, "weightHr", $"p.Slice({hr.OffsetName}, {hr.Length})"));
        }

        if (direction.Peephole is { } peephole)
        {
            list.Add(new(ro, "peephole", $"p.Slice({peephole.OffsetName}, {peephole.Length})"));
        }

        if (direction.WeightHr is { } gradHr)
        {
            list.Add(new(span, "gradWeightHr", $"g.Slice({gradHr.OffsetName}, {gradHr.Length})"));
        }

        if (direction.Peephole is { } gradPeephole)
        {
            list.Add(new(span, "gradPeephole", $"g.Slice({gradPeephole.OffsetName}, {gradPeephole.Length})"));
        }

        if (layer.Spec.Cell == CellKind.Gru)
        {
            list.Add(new(ro, "hPrev", "hPrev"));
        }

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
        if (dx)
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
        w.Summary(
            $"The gradient of one step of layer {layer.Index} ({CellEmitter.CellName(layer.Spec.Cell)}, {plan.Spec.SpecFileName} line {layer.Spec.Line}): from dh = dL/dh(t)"
                + (layer.IsLstm ? " and dc = dL/dc(t) (replaced by dL/dc(t-1))" : string.Empty) + ",",
            "writes the gate derivatives da to <paramref name=\"scratch\"/> (this step's row of dA) and adds dL/dh(t-1) to dhPrev" + (dx ? " and dL/dx(t) to dx" : string.Empty) + ".",
            $"<paramref name=\"cache\"/> holds what the forward step left in its gate scratch ({CacheText(layer)}). dW_ih, dW_hh and the",
            "biases are left to the WeightGradient and BiasGradient products, once per sequence.");
        CellEmitter.EmitPerInstructionSet(w, plan, StepMethod(layer), arguments.Select(a => $"{a.Type} {a.Name}").ToList(), isa =>
            EmitStepBody(w, plan, layer, new Simd(plan.Spec.Precision, isa), BackwardForm.Single));
    }

    /// <summary>
    /// <c>LayerKBackwardStepGroup</c>: <see cref="StepMethod"/> for <see cref="CellEmitter.GroupSize"/> sequences, every
    /// per-sequence span [GroupSize, its length] with sequence b in row b: the gate derivatives run per sequence, the
    /// products with W_hh^T and W_ih^T read each row of W once for the whole group. Each row equals what the
    /// single-sequence step computes for it, bit for bit.
    /// </summary>
    public static void EmitStepGroup(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        int g = CellEmitter.GroupSize;
        List<Argument> arguments = Arguments(plan, layer, layer.Directions[0]);
        w.Summary(
            $"<see cref=\"{StepMethod(layer)}\"/> for {g} sequences at once, each of hPrev, h, cPrev, c, cache, dh, dc, dhPrev, dx and scratch holding",
            $"sequence b's values in row b: the gate derivatives run per sequence, then the products with W_hh^T (and W_ih^T) read each row of",
            $"W once for all {g} (a matrix-matrix product). Every row equals what {StepMethod(layer)} computes for it, bit for bit; the",
            "peephole and W_hr gradients add the sequences' terms step by step, in sequence order.");
        CellEmitter.EmitPerInstructionSet(w, plan, StepGroupMethod(layer), arguments.Select(a => $"{a.Type} {a.Name}").ToList(), isa =>
        {
            if (!isa.IsScalar)
            {
                EmitStepBody(w, plan, layer, new Simd(plan.Spec.Precision, isa), BackwardForm.Group);
                return;
            }

            // the scalar path has no registers to share: the single-sequence step, sequence by sequence
            using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
            {
                IEnumerable<string> values = arguments.Select(a => SequenceLength(layer, a.Name) is int length
                    ? $"{a.Name}.Slice(sequence * {length}, {length})"
                    : a.Name);
                w.Line($"{StepMethod(layer)}{isa.Suffix}({string.Join(", ", values)});");
            }
        });
    }

    public static string StepGroupMethod(LayerPlan layer) => $"Layer{layer.KernelIndex}BackwardStepGroup";

    /// <summary>The length of one sequence's row of a per-sequence parameter of the step; null for the weights and their gradients.</summary>
    private static int? SequenceLength(LayerPlan layer, string parameter) => parameter switch
    {
        "hPrev" or "h" or "dh" or "dhPrev" => layer.StateWidth,
        "cPrev" or "c" or "dc" => layer.Hidden,
        "cache" => layer.GateScratch,
        "scratch" => TrainingPlan.BackwardScratch(layer),
        "dx" => layer.InputWidth,
        _ => null,
    };

    private static void EmitStepBody(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, BackwardForm form)
    {
        EmitReferences(w, plan, layer, simd, form);
        switch (layer.Spec.Cell)
        {
            case CellKind.Rnn:
                EmitRnn(w, plan, layer, simd, form);
                break;
            case CellKind.Lstm:
                EmitLstm(w, plan, layer, simd, form);
                break;
            default:
                if (layer.Spec.Reset == GruReset.After)
                {
                    EmitGruAfter(w, plan, layer, simd, form);
                }
                else
                {
                    EmitGruBefore(w, plan, layer, simd, form);
                }

                break;
        }
    }

    /// <summary>
    /// The per-sequence products that replace the per-step outer products, one method per distinct shape in the model:
    /// dW += dA^T X for every weight gradient, db += the column sums of dA for every bias.
    /// </summary>
    public static void EmitWeightGradientMethods(SourceWriter w, ModelPlan plan)
    {
        foreach ((int rows, int columns) in plan.Layers.SelectMany(WeightGradientShapes).Distinct().OrderBy(s => s.Rows).ThenBy(s => s.Columns))
        {
            w.Line();
            MatrixProductEmitter.EmitMethod(w, plan, WeightGradientMethod(rows, columns), "dW += sum over steps of da x^T (x: the input or h' the gates read)", rows, columns);
        }

        foreach (int rows in plan.Layers.Where(l => l.HasBias).Select(l => l.GateRows).Distinct().OrderBy(r => r))
        {
            w.Line();
            MatrixProductEmitter.EmitColumnSums(w, plan, BiasGradientMethod(rows), "db += sum over steps of da", rows);
        }
    }

    /// <summary>An element reference of the step: <paramref name="Span"/>'s first <paramref name="Length"/> values, per sequence or shared by a group.</summary>
    private sealed record StepReference(string Name, string Span, int Length, bool PerSequence);

    /// <summary>The element references the step reads and writes, in the order they are declared.</summary>
    private static List<StepReference> References(ModelPlan plan, LayerPlan layer)
    {
        int rows = layer.GateRows;
        int input = layer.InputWidth;
        int state = layer.StateWidth;
        int h = layer.Hidden;
        var list = new List<StepReference>
        {
            new("wHh", "weightHh", rows * state, false),
            new("dhOut", "dhPrev", state, true),
            new("gate", "scratch", TrainingPlan.BackwardScratch(layer), true),
            new("cacheIn", "cache", layer.GateScratch, true),
        };
        if (HasInputGradient(plan, layer))
        {
            list.Add(new("wIh", "weightIh", rows * input, false));
            list.Add(new("dxOut", "dx", input, true));
        }

        switch (layer.Spec.Cell)
        {
            case CellKind.Lstm:
                list.Add(new("cellIn", "c", h, true));
                list.Add(new("cellPrevIn", "cPrev", h, true));
                list.Add(new("dcIo", "dc", h, true));
                if (layer.Spec.Peepholes)
                {
                    list.Add(new("peep", "peephole", 3 * h, false));
                    list.Add(new("gradPeep", "gradPeephole", 3 * h, false));
                }

                break;
            case CellKind.Gru:
                list.Add(new("hPrevIn", "hPrev", state, true));
                list.Add(new("dhIn", "dh", state, true));
                break;
            default:
                list.Add(new("hIn", "h", state, true));
                list.Add(new("dhIn", "dh", state, true));
                break;
        }

        if (layer.HasProjection)
        {
            list.Add(new("wHr", "weightHr", state * layer.Hidden, false));
            list.Add(new("gradHr", "gradWeightHr", state * layer.Hidden, false));
        }
        else if (layer.IsLstm)
        {
            list.Add(new("dmIn", "dh", h, true));
        }

        return list;
    }

    /// <summary>
    /// The references behind slices that prove their lengths; a group's per-sequence ones as <c>{name}Group</c> over all
    /// its rows (<see cref="BackwardForm.PerSequence"/> points the plain names at one sequence's row).
    /// </summary>
    private static void EmitReferences(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, BackwardForm form)
    {
        foreach (StepReference reference in References(plan, layer))
        {
            w.Line(form.IsGroup && reference.PerSequence
                ? simd.Reference(reference.Name + "Group", reference.Span, form.Count * reference.Length)
                : simd.Reference(reference.Name, reference.Span, reference.Length));
        }

        w.Line();
    }

    /// <summary>
    /// How a backward step body is written: for one sequence (<c>LayerKBackwardStep</c>), or for a group
    /// (<c>LayerKBackwardStepGroup</c>) whose gate derivatives run in a loop over its sequences and whose final
    /// products with W^T read each row of W once for all of them.
    /// </summary>
    private sealed class BackwardForm
    {
        private BackwardForm(int count) => Count = count;

        public static BackwardForm Single { get; } = new(1);

        public static BackwardForm Group { get; } = new(CellEmitter.GroupSize);

        public int Count { get; }

        public bool IsGroup => Count > 1;

        /// <summary>The span of this sequence's dh, scratch and cache rows (the parameters themselves for one sequence).</summary>
        public string Dh => IsGroup ? "dhSequence" : "dh";

        public string Scratch => IsGroup ? "scratchSequence" : "scratch";

        public string Cache => IsGroup ? "cacheSequence" : "cache";

        /// <summary>
        /// The per-sequence part: inline for one sequence; for a group, a loop over its sequences that first points every
        /// reference <paramref name="body"/> reads (all per-sequence ones but <paramref name="unused"/>) and the spans
        /// in <paramref name="spans"/> (dh, scratch, cache) at the sequence's rows.
        /// </summary>
        public void PerSequence(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, string[] unused, string[] spans, System.Action body)
        {
            if (!IsGroup)
            {
                body();
                return;
            }

            using (w.Block($"for (int sequence = 0; sequence < {Count}; sequence++)", string.Empty))
            {
                foreach (StepReference reference in References(plan, layer).Where(r => r.PerSequence && !unused.Contains(r.Name)))
                {
                    w.Line($"ref {simd.T} {reference.Name} = ref {Simd.Unsafe}.Add(ref {reference.Name}Group, sequence * {reference.Length});");
                }

                foreach (string span in spans)
                {
                    int length = SequenceLength(layer, span)!.Value;
                    string type = span == "scratch" ? $"global::System.Span<{simd.T}>" : $"global::System.ReadOnlySpan<{simd.T}>";
                    w.Line($"{type} {span}Sequence = {span}.Slice(sequence * {length}, {length});");
                }

                body();
            }
        }

        /// <summary>
        /// A final product with W^T, whose vector starts at <paramref name="column"/> of the step's scratch row: for one
        /// sequence from the span the caller declared, for a group from every sequence's row of scratch.
        /// </summary>
        public void Transposed(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, Product product, int column)
        {
            if (IsGroup)
            {
                bool toInput = product.Target == "dxOut";
                product = product with
                {
                    Comment = product.Comment + $", for each of the {Count} sequences",
                    Vector = "gateGroup",
                    Target = product.Target + "Group",
                    Count = Count,
                    VectorOffset = column,
                    VectorStride = TrainingPlan.BackwardScratch(layer),
                    TargetStride = toInput ? layer.InputWidth : layer.StateWidth,
                };
            }

            ProductEmitter.Emit(w, simd, plan.PanelWidth, product);
        }

        /// <summary>A span over a part of the scratch row, which only the single-sequence products read by name.</summary>
        public void ScratchSpan(SourceWriter w, string t, string name, int start, int length)
        {
            if (!IsGroup)
            {
                w.Line($"global::System.ReadOnlySpan<{t}> {name} = scratch.Slice({start}, {length});");
            }
        }
    }

    private static string CacheText(LayerPlan layer) => layer.Spec.Cell switch
    {
        CellKind.Lstm => "i, f, g, o" + (layer.HasProjection ? ", then m = o*tanh(c)" : string.Empty) + (layer.Spec.CellClip is null ? string.Empty : ", then c before clamping"),
        CellKind.Gru when layer.Spec.Reset == GruReset.After => "r, z, n in the input half; W_hn h' + b_hn in the last third of the hidden half",
        CellKind.Gru => "r, z, n in the input half; r*h' in the last third of the hidden half",
        _ => "unused: h is enough",
    };

    /// <summary>
    /// The products with W^T shared by every cell: dh' += W_hh^T da_h, dx += W_ih^T da_i (the hidden-side derivatives
    /// start at <paramref name="hiddenColumn"/> of the scratch row, the input-side ones at 0).
    /// </summary>
    private static void EmitGateRows(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, BackwardForm form, string gradients, string hiddenGradients, int hiddenColumn, int rows)
    {
        int state = layer.StateWidth;
        form.Transposed(w, plan, layer, simd, new Product(
            $"dh' += W_hh^T {hiddenGradients}: W_hh [{rows}, {state}] as PyTorch stores it", rows, state, 0, state, "wHh", hiddenGradients, "dhOut", 0, ProductStart.Accumulate, Packed: false), hiddenColumn);
        EmitInputGradient(w, plan, layer, simd, form, gradients);
    }

    private static void EmitInputGradient(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, BackwardForm form, string gradients)
    {
        if (!HasInputGradient(plan, layer))
        {
            return;
        }

        form.Transposed(w, plan, layer, simd, new Product(
            $"dx += W_ih^T {gradients}: W_ih [{layer.GateRows}, {layer.InputWidth}] as PyTorch stores it", layer.GateRows, layer.InputWidth, 0, layer.InputWidth, "wIh", gradients, "dxOut", 0, ProductStart.Accumulate, Packed: false), 0);
    }

    /// <summary>
    /// Element-wise code over the units, with 1 in every lane as <c>one</c>: the widest vectors (a loop when there are
    /// several), constant tails of narrower vectors, then the last few units one at a time in a loop.
    /// </summary>
    private static void Units(SourceWriter w, Simd simd, int count, System.Action<string, int, string> body)
    {
        void Chunk(string j, int lanes)
        {
            string v = simd.Type(lanes);
            w.Line($"{v} one = {simd.Constant(1, lanes)};");
            body(j, lanes, v);
        }

        List<(int Offset, int Lanes)> chunks = simd.Chunks(count);
        int scalarStart = chunks.Where(c => c.Lanes > 1).Select(c => c.Offset + c.Lanes).DefaultIfEmpty(0).Max();
        int full = simd.MaxLanes > 1 ? chunks.Count(c => c.Lanes == simd.MaxLanes) : 0;
        if (full >= 2)
        {
            using (w.Block($"for (int j = 0; j < {full * simd.MaxLanes}; j += {simd.MaxLanes})", string.Empty))
            {
                Chunk("j", simd.MaxLanes);
            }
        }

        foreach ((int offset, int lanes) in chunks.Where(c => c.Lanes > 1).Skip(full >= 2 ? full : 0))
        {
            using (w.Block($"// units [{offset}, {offset + lanes})", string.Empty))
            {
                Chunk(Literals.Int(offset), lanes);
            }
        }

        if (scalarStart < count)
        {
            using (w.Block($"for (int j = {scalarStart}; j < {count}; j++)", string.Empty))
            {
                Chunk("j", 1);
            }
        }
    }

    private static void EmitRnn(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, BackwardForm form)
    {
        int h = layer.Hidden;
        bool relu = layer.Spec.Activation == RnnActivation.Relu;
        w.Line(relu ? "// da = dh * relu'(a), 1 where h > 0" : "// da = dh * (1 - h^2), the derivative of tanh");
        form.PerSequence(w, plan, layer, simd, new[] { "dhOut", "dxOut", "cacheIn" }, System.Array.Empty<string>(), () => CellEmitter.Lanes(w, simd, h, (j, l) =>
        {
            string v = simd.Type(l);
            w.Line($"{v} hv = {simd.Load("hIn", j, l)};");
            w.Line($"{v} d = {simd.Load("dhIn", j, l)};");
            string value = relu
                ? l == 1 ? $"hv > {simd.Zero(1)} ? d : {simd.Zero(1)}" : $"{simd.Class(l)}.ConditionalSelect({simd.Class(l)}.GreaterThan(hv, {simd.Zero(l)}), d, {simd.Zero(l)})"
                : $"d * ({simd.Constant(1, l)} - (hv * hv))";
            w.Line(simd.Store("gate", j, l, value));
        }));

        w.Line();
        form.ScratchSpan(w, plan.T, "da", 0, h);
        EmitGateRows(w, plan, layer, simd, form, "da", "da", 0, h);
    }

    private static void EmitLstm(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, BackwardForm form)
    {
        string[] spans = layer.HasProjection ? new[] { "dh", "scratch", "cache" } : System.Array.Empty<string>();
        form.PerSequence(w, plan, layer, simd, new[] { "dhOut", "dxOut" }, spans, () => EmitLstmGates(w, plan, layer, simd, form));
        w.Line();
        form.ScratchSpan(w, plan.T, "da", 0, layer.GateRows);
        EmitGateRows(w, plan, layer, simd, form, "da", "da", 0, layer.GateRows);
    }

    /// <summary>An lstm step's gate derivatives, dc' and the peephole and W_hr gradients of one sequence.</summary>
    private static void EmitLstmGates(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, BackwardForm form)
    {
        string t = plan.T;
        int h = layer.Hidden;
        int rows = layer.GateRows;
        LayerSpec spec = layer.Spec;
        string dmRef = "dmIn";
        if (layer.HasProjection)
        {
            int p = layer.StateWidth;
            dmRef = "dmOut";
            w.Line($"// h = W_hr m: dm = W_hr^T dh (in scratch[{rows}..{rows + h})), dW_hr += dh m^T");
            w.Line($"ref {t} dmOut = ref {Simd.MemoryMarshal}.GetReference({form.Scratch}.Slice({rows}, {h}));");
            w.Line(simd.Reference("mIn", $"{form.Cache}.Slice({layer.ProjectionInputOffset}, {h})", h));
            ProductEmitter.Emit(w, simd, plan.PanelWidth, new Product(
                $"dm = W_hr^T dh: W_hr [{p}, {h}] as PyTorch stores it", p, h, 0, h, "wHr", form.Dh, "dmOut", 0, ProductStart.Zero, Packed: false));
            ProductEmitter.EmitOuter(w, simd, "dW_hr += dh m^T", p, h, "gradHr", form.Dh, "mIn");
            w.Line();
        }

        w.Line("// through h = o*tanh(c) and c = f*c' + i*g to the gate pre-activations da = [dai | daf | dag | dao]:");
        w.Line("// dao = dm*tanh(c)*o(1-o), dc += dm*o*(1-tanh^2(c)), dai = dc*g*i(1-i), daf = dc*c'*f(1-f), dag = dc*i*(1-g^2), dc' = dc*f"
            + (spec.Peepholes ? " (+ the peephole terms)" : string.Empty));
        Units(w, simd, h, (j, l, v) =>
        {
            string Load(string reference, int offset) => simd.Load(reference, Simd.Index(j, offset), l);
            w.Line($"{v} i = {Load("cacheIn", 0)};");
            w.Line($"{v} f = {Load("cacheIn", h)};");
            w.Line($"{v} g = {Load("cacheIn", 2 * h)};");
            w.Line($"{v} o = {Load("cacheIn", 3 * h)};");
            w.Line($"{v} cj = {Load("cellIn", 0)};");
            w.Line($"{v} cp = {Load("cellPrevIn", 0)};");
            w.Line($"{v} tc = {CellEmitter.VectorActivations}.Tanh(cj);");
            w.Line($"{v} dmj = {Load(dmRef, 0)};");
            w.Line($"{v} dao = dmj * tc * o * (one - o);");
            w.Line($"{v} dcj = {Load("dcIo", 0)} + (dmj * o * (one - (tc * tc)))" + (spec.Peepholes ? $" + (dao * {Load("peep", 2 * h)});" : ";"));
            if (spec.CellClip is { } clip)
            {
                w.Line($"{v} raw = {Load("cacheIn", layer.RawCellOffset)};");
                w.Line("// the clamp passes no gradient where it clipped");
                if (l == 1)
                {
                    string bound = Literals.Real(clip, plan.Spec.Precision);
                    using (w.Block($"if (raw < -{bound} || raw > {bound})", string.Empty))
                    {
                        w.Line($"dcj = {simd.Zero(1)};");
                    }
                }
                else
                {
                    string c = simd.Class(l);
                    w.Line($"dcj = {c}.ConditionalSelect({c}.GreaterThan({c}.Abs(raw), {simd.Constant(clip, l)}), {simd.Zero(l)}, dcj);");
                }
            }

            w.Line($"{v} dai = dcj * g * i * (one - i);");
            w.Line($"{v} daf = dcj * cp * f * (one - f);");
            w.Line($"{v} dag = dcj * i * (one - (g * g));");
            w.Line(simd.Store("dcIo", j, l, "(dcj * f)" + (spec.Peepholes ? $" + (dai * {Load("peep", 0)}) + (daf * {Load("peep", h)})" : string.Empty)));
            if (spec.Peepholes)
            {
                w.Line(simd.Store("gradPeep", j, l, $"{Load("gradPeep", 0)} + (dai * cp)"));
                w.Line(simd.Store("gradPeep", Simd.Index(j, h), l, $"{Load("gradPeep", h)} + (daf * cp)"));
                w.Line(simd.Store("gradPeep", Simd.Index(j, 2 * h), l, $"{Load("gradPeep", 2 * h)} + (dao * cj)"));
            }

            w.Line(simd.Store("gate", j, l, "dai"));
            w.Line(simd.Store("gate", Simd.Index(j, h), l, "daf"));
            w.Line(simd.Store("gate", Simd.Index(j, 2 * h), l, "dag"));
            w.Line(simd.Store("gate", Simd.Index(j, 3 * h), l, "dao"));
        });
    }

    private static void EmitGruAfter(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, BackwardForm form)
    {
        string t = plan.T;
        int h = layer.Hidden;
        int rows = layer.GateRows;
        w.Line($"// h = (1-z)*n + z*h', n = tanh(a_n), a_n = W_in x + b_in + r*hn: input-side gradients in scratch[0..{rows}), hidden-side in scratch[{rows}..{2 * rows})");
        w.Line("// da_n = dh*(1-z)*(1-n^2), da_z = dh*(h'-n)*z(1-z), da_r = da_n*hn*r(1-r); the hidden side's n rows see r*da_n; dh' += dh*z");
        form.PerSequence(w, plan, layer, simd, new[] { "dxOut" }, System.Array.Empty<string>(), () => Units(w, simd, h, (j, l, v) =>
        {
            string Load(string reference, int offset) => simd.Load(reference, Simd.Index(j, offset), l);
            w.Line($"{v} r = {Load("cacheIn", 0)};");
            w.Line($"{v} z = {Load("cacheIn", h)};");
            w.Line($"{v} n = {Load("cacheIn", 2 * h)};");
            w.Line($"{v} hn = {Load("cacheIn", rows + (2 * h))};");
            w.Line($"{v} d = {Load("dhIn", 0)};");
            w.Line($"{v} dan = d * (one - z) * (one - (n * n));");
            w.Line($"{v} daz = d * ({Load("hPrevIn", 0)} - n) * z * (one - z);");
            w.Line($"{v} dar = dan * hn * r * (one - r);");
            w.Line(simd.Store("gate", j, l, "dar"));
            w.Line(simd.Store("gate", Simd.Index(j, h), l, "daz"));
            w.Line(simd.Store("gate", Simd.Index(j, 2 * h), l, "dan"));
            w.Line(simd.Store("gate", Simd.Index(j, rows), l, "dar"));
            w.Line(simd.Store("gate", Simd.Index(j, rows + h), l, "daz"));
            w.Line(simd.Store("gate", Simd.Index(j, rows + (2 * h)), l, "dan * r"));
            w.Line(simd.Store("dhOut", j, l, $"{Load("dhOut", 0)} + (d * z)"));
        }));

        w.Line();
        form.ScratchSpan(w, t, "gi", 0, rows);
        form.ScratchSpan(w, t, "gh", rows, rows);
        EmitGateRows(w, plan, layer, simd, form, "gi", "gh", rows, rows);
    }

    private static void EmitGruBefore(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, BackwardForm form)
    {
        string t = plan.T;
        int h = layer.Hidden;
        int rows = layer.GateRows;
        w.Line($"// h = (1-z)*n + z*h', n = tanh(W_in x + b_in + W_hn (r*h') + b_hn): da_n and da_z first, d(r*h') = W_hn^T da_n in scratch[{2 * rows}..{(2 * rows) + h})");
        w.Line("// da_n = dh*(1-z)*(1-n^2), da_z = dh*(h'-n)*z(1-z), dh' += dh*z");
        form.PerSequence(w, plan, layer, simd, new[] { "dxOut" }, new[] { "scratch" }, () => EmitGruBeforeGates(w, plan, layer, simd, form));
        w.Line();
        form.ScratchSpan(w, t, "gi", 0, rows);
        form.ScratchSpan(w, t, "ghRz", rows, 2 * h);
        EmitInputGradient(w, plan, layer, simd, form, "gi");
        w.Line("// the r and z rows of W_hh read h'; the n rows read r*h' (their dh' share went through d(r*h') above)");
        form.Transposed(w, plan, layer, simd, new Product(
            $"dh' += W_hh[r, z rows]^T gh", 2 * h, layer.StateWidth, 0, layer.StateWidth, "wHh", "ghRz", "dhOut", 0, ProductStart.Accumulate, Packed: false), rows);
    }

    /// <summary>A gru-before step's gate derivatives of one sequence, through d(r*h') = W_hn^T da_n, and its elementwise share of dh'.</summary>
    private static void EmitGruBeforeGates(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, BackwardForm form)
    {
        string t = plan.T;
        int h = layer.Hidden;
        int rows = layer.GateRows;
        int state = layer.StateWidth;
        int drh = 2 * rows;
        Units(w, simd, h, (j, l, v) =>
        {
            string Load(string reference, int offset) => simd.Load(reference, Simd.Index(j, offset), l);
            w.Line($"{v} z = {Load("cacheIn", h)};");
            w.Line($"{v} n = {Load("cacheIn", 2 * h)};");
            w.Line($"{v} d = {Load("dhIn", 0)};");
            w.Line($"{v} dan = d * (one - z) * (one - (n * n));");
            w.Line($"{v} daz = d * ({Load("hPrevIn", 0)} - n) * z * (one - z);");
            w.Line(simd.Store("gate", Simd.Index(j, h), l, "daz"));
            w.Line(simd.Store("gate", Simd.Index(j, 2 * h), l, "dan"));
            w.Line(simd.Store("gate", Simd.Index(j, rows + h), l, "daz"));
            w.Line(simd.Store("gate", Simd.Index(j, rows + (2 * h)), l, "dan"));
            w.Line(simd.Store("dhOut", j, l, $"{Load("dhOut", 0)} + (d * z)"));
        });

        w.Line($"global::System.ReadOnlySpan<{t}> daN = {form.Scratch}.Slice({2 * h}, {h});");
        w.Line($"ref {t} drhOut = ref {Simd.MemoryMarshal}.GetReference({form.Scratch}.Slice({drh}, {h}));");
        ProductEmitter.Emit(w, simd, plan.PanelWidth, new Product(
            $"d(r*h') = W_hn^T da_n: rows [{2 * h}, {rows}) of W_hh as PyTorch stores it", h, state, 0, state, "wHh", "daN", "drhOut", 0, ProductStart.Zero, Packed: false, WeightsOffset: 2 * h * state));
        w.Line();
        w.Line("// through r*h': da_r = d(r*h') * h' * r(1-r), dh' += d(r*h') * r");
        Units(w, simd, h, (j, l, v) =>
        {
            string Load(string reference, int offset) => simd.Load(reference, Simd.Index(j, offset), l);
            w.Line($"{v} r = {Load("cacheIn", 0)};");
            w.Line($"{v} drhj = {Load("drhOut", 0)};");
            w.Line($"{v} dar = drhj * {Load("hPrevIn", 0)} * r * (one - r);");
            w.Line(simd.Store("gate", j, l, "dar"));
            w.Line(simd.Store("gate", Simd.Index(j, rows), l, "dar"));
            w.Line(simd.Store("dhOut", j, l, $"{Load("dhOut", 0)} + (drhj * r)"));
        });
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
        int bs = TrainingPlan.BackwardScratch(layer);
        bool tokens = plan.IsTokens && layer.Index == 0;
        bool dx = HasInputGradient(plan, layer);
        int maxS = training.MaxStateWidth;

        w.Summary(
            $"Backpropagates layer {layer.Index} through time: from <paramref name=\"dOutput\"/> = dL/d(output) [{steps}, {width}], adds every parameter's",
            "gradient to <see cref=\"Gradients\"/>" + (dx ? $" and writes dL/d(input) [{steps}, {input}] to <paramref name=\"dInput\"/>." : "."),
            "Each direction runs its steps in the reverse order of its forward pass, over the first <paramref name=\"length\"/> steps, keeping",
            $"each step's gate derivatives as a row of dA [{steps}, {bs}]; then dW_ih += dA^T X, dW_hh += dA^T H' and db += the sums of dA, once.",
            "Leaves dL/dh0 (and dL/dc0) of each direction's start in <paramref name=\"dh0\"/> (<paramref name=\"dc0\"/>) unless they are empty.");
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

            w.Line($"// dA: row t holds step t's gate derivatives (the backward step's scratch), read again by the weight gradients");
            w.Line($"{span} gates = work.Slice({training.GateGradientsOffset}, {steps * bs});");
            w.Line("zero.Clear();");
            if (dx)
            {
                w.Line("dInput.Clear();");
            }

            string xs = "input";
            if (tokens)
            {
                xs = "embedded";
                w.Line();
                w.Line("// X of dW_ih: the embedding rows the steps read, gathered");
                w.Line($"{span} embedded = work.Slice({training.GatheredInputOffset}, {steps * input});");
                using (w.Block("for (int step = 0; step < length; step++)", string.Empty))
                {
                    w.Line($"p.Slice(EmbeddingWeight + (input[step] * {input}), {input}).CopyTo(embedded.Slice(step * {input}, {input}));");
                }
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
                    if (layer.Spec.Cell == CellKind.Gru)
                    {
                        w.Line($"{ro} hPrev = {first} ? start{d} : output.Slice((({previous}) * {width}) + {offset}, {s});");
                    }

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
                    w.Line($"{span} scratch = gates.Slice(step * {bs}, {bs});");
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

                EmitWeightGradients(w, layer, direction, steps, xs, initialStates: true);

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

    /// <summary>
    /// One direction's weight gradients from its rows of dA (<c>gates</c>), after its recurrence: every step pairs its gate
    /// derivatives with its input x (<paramref name="xs"/>) and its h', the state of the step before it in this direction's
    /// order (<c>output</c>'s; <c>start{d}</c> for the first when <paramref name="initialStates"/>, else zero).
    /// </summary>
    internal static void EmitWeightGradients(SourceWriter w, LayerPlan layer, DirectionPlan direction, int steps, string xs, bool initialStates)
    {
        int s = layer.StateWidth;
        int h = layer.Hidden;
        int width = layer.Width;
        int bs = TrainingPlan.BackwardScratch(layer);
        int hiddenColumn = HiddenColumn(layer);
        int d = direction.Index;
        int offset = direction.Reverse ? s : 0;
        string Grad(TensorPlan tensor) => $"g.Slice({tensor.OffsetName}, {tensor.Length})";
        w.Line();
        w.Line("// the weight gradients of every step at once");
        w.Line($"{WeightGradientMethod(layer.GateRows, layer.InputWidth)}({Grad(direction.WeightIh)}, gates, {bs}, {xs}, {layer.InputWidth}, length);");
        string gradHh = IsGruBefore(layer) ? $"g.Slice({direction.WeightHh.OffsetName}, {2 * h * s})" : Grad(direction.WeightHh);
        using (w.Block("if (length > 1)", string.Empty))
        {
            w.Line(direction.Reverse
                ? "// h' of step t < length-1 is the output of step t+1"
                : "// h' of step t > 0 is the output of step t-1");
            string gates = direction.Reverse ? Slice("gates", hiddenColumn) : Slice("gates", bs + hiddenColumn);
            string hPrev = direction.Reverse ? Slice("output", width + offset) : Slice("output", offset);
            w.Line($"{WeightGradientMethod(HiddenRows(layer), s)}({gradHh}, {gates}, {bs}, {hPrev}, {width}, length - 1);");
        }

        if (initialStates)
        {
            EmitInitialStateGradient(w, layer, direction);
        }

        EmitSplitGradients(w, layer, direction, steps);
    }

    private static void EmitInitialStateGradient(SourceWriter w, LayerPlan layer, DirectionPlan direction)
    {
        int s = layer.StateWidth;
        int h = layer.Hidden;
        int width = layer.Width;
        int bs = TrainingPlan.BackwardScratch(layer);
        int hiddenColumn = HiddenColumn(layer);
        int d = direction.Index;
        string gradHh = IsGruBefore(layer) ? $"g.Slice({direction.WeightHh.OffsetName}, {2 * h * s})" : $"g.Slice({direction.WeightHh.OffsetName}, {direction.WeightHh.Length})";
        using (w.Block("if (!h0.IsEmpty)", string.Empty))
        {
            w.Line($"// the first step in this direction's order reads h0 (a zero h0 adds nothing)");
            string firstRow = direction.Reverse ? $"((length - 1) * {bs})" : "0";
            string gates = firstRow == "0" ? Slice("gates", hiddenColumn) : hiddenColumn == 0 ? $"gates.Slice{firstRow}" : $"gates.Slice({firstRow} + {hiddenColumn})";
            w.Line($"{WeightGradientMethod(HiddenRows(layer), s)}({gradHh}, {gates}, {bs}, start{d}, {width}, 1);");
        }
    }

    /// <summary>The gru-before's n rows of dW_hh (they read r*h' from the caches) and the bias gradients.</summary>
    private static void EmitSplitGradients(SourceWriter w, LayerPlan layer, DirectionPlan direction, int steps)
    {
        int h = layer.Hidden;
        int s = layer.StateWidth;
        int bs = TrainingPlan.BackwardScratch(layer);
        int hiddenColumn = HiddenColumn(layer);
        int d = direction.Index;
        string Grad(TensorPlan tensor) => $"g.Slice({tensor.OffsetName}, {tensor.Length})";
        if (IsGruBefore(layer))
        {
            int n = layer.GateRows + (2 * h);
            w.Line($"// the n rows of W_hh read r*h', which every step's cache keeps at [{n}, {n + h})");
            w.Line($"{WeightGradientMethod(h, s)}(g.Slice({direction.WeightHh.OffsetName} + {2 * h * s}, {h * s}), gates.Slice({n}), {bs}, caches.Slice({(d * steps * layer.GateScratch) + n}), {layer.GateScratch}, length);");
        }

        if (direction.BiasIh is { } bih && direction.BiasHh is { } bhh)
        {
            w.Line($"{BiasGradientMethod(layer.GateRows)}({Grad(bih)}, gates, {bs}, length);");
            w.Line($"{BiasGradientMethod(layer.GateRows)}({Grad(bhh)}, {Slice("gates", hiddenColumn)}, {bs}, length);");
        }
    }

    private static string Slice(string span, int start) => start == 0 ? span : $"{span}.Slice({start})";
}
