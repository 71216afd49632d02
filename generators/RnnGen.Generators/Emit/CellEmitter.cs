using System.Collections.Generic;
using System.Linq;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits the two halves of a time step of each layer, shared by both directions (they differ only in the
/// weights passed in), by <c>Predict</c>, <c>Step</c> and training: <c>LayerKProject</c>, the input product, and
/// <c>LayerKStep</c>, the recurrent product and the cell's nonlinearity. Each is a dispatcher and one method
/// per instruction set (Vector512, Vector256, Vector128, scalar).
/// </summary>
internal static class CellEmitter
{
    internal const string VectorActivations = "global::RnnGen.VectorActivations";

    /// <summary>
    /// Sequences (or steps) whose products share each read of a weight block: every W load feeds 4 multiply-adds
    /// instead of 1, and 3 chunks of W x 4 sequences = 12 accumulators fit x64's 16 AVX2 registers beside the 3
    /// chunks and one broadcast (<see cref="ProductEmitter.GroupAccumulators"/>; docs/benchmarks.md, "Batches").
    /// </summary>
    public const int GroupSize = 4;

    public static string ProjectMethod(LayerPlan layer) => $"Layer{layer.KernelIndex}Project";

    /// <summary><c>LayerKProjectGroup</c>: the input product of <see cref="GroupSize"/> vectors (steps or sequences) in one sweep over W_ih.</summary>
    public static string ProjectGroupMethod(LayerPlan layer) => $"Layer{layer.KernelIndex}ProjectGroup";

    /// <summary><c>LayerKStepGroup</c>: one step of <see cref="GroupSize"/> sequences in one sweep over W_hh.</summary>
    public static string StepGroupMethod(LayerPlan layer) => $"Layer{layer.KernelIndex}StepGroup";

    public static void EmitStep(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        var sharers = plan.Layers.Where(l => l.KernelIndex == layer.Index && l.Index != layer.Index).Select(l => Literals.Int(l.Index)).ToList();
        if (sharers.Count > 0)
        {
            w.Line($"// Layer{(sharers.Count == 1 ? " " : "s ")}{string.Join(", ", sharers)} {(sharers.Count == 1 ? "has" : "have")} the shape of layer {layer.Index} and call{(sharers.Count == 1 ? "s" : string.Empty)} the methods below.");
        }

        EmitProjectMethods(w, plan, layer);
        if (plan.RunsSequences || plan.Spec.Training is not null)
        {
            w.Line();
            EmitProjectGroupMethods(w, plan, layer);
        }

        w.Line();
        EmitStepMethods(w, plan, layer);
        if (plan.BatchesInGroups)
        {
            w.Line();
            EmitStepGroupMethods(w, plan, layer);
        }
    }

    /// <summary>The argument list of a call to <see cref="ProjectMethod"/> for one direction.</summary>
    public static string ProjectArguments(LayerPlan layer, DirectionPlan direction, string x, string gates)
    {
        var arguments = new List<string> { $"packed.Slice({direction.PackedIh.OffsetName}, {direction.PackedIh.Length})" };
        if (layer.HasBias)
        {
            arguments.Add($"bias.Slice({direction.FoldedBiasName}, {layer.FoldedBiasLength})");
        }

        arguments.Add(x);
        arguments.Add(gates);
        return string.Join(", ", arguments);
    }

    /// <summary>The argument list of a call to <see cref="LayerPlan.StepMethod"/> for one direction, in the order of its parameters.</summary>
    public static string StepArguments(LayerPlan layer, DirectionPlan direction, string hPrev, string h, string c, string gates)
    {
        var arguments = new List<string> { $"packed.Slice({direction.PackedHh.OffsetName}, {direction.PackedHh.Length})" };
        if (layer.HasBias && layer.Spec.Cell == CellKind.Gru)
        {
            arguments.Add($"bias.Slice({direction.FoldedBiasName}, {layer.FoldedBiasLength})");
        }

        if (direction.PackedHr is { } packedHr)
        {
            arguments.Add($"packed.Slice({packedHr.OffsetName}, {packedHr.Length})");
        }

        if (direction.Peephole is { } peephole)
        {
            arguments.Add($"p.Slice({peephole.OffsetName}, {peephole.Length})");
        }

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

    /// <summary><c>LayerKProject</c>: gates = W_ih x + (the biases the input side carries), one step's input product.</summary>
    private static void EmitProjectMethods(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        string ro = $"global::System.ReadOnlySpan<{plan.T}>";
        string span = $"global::System.Span<{plan.T}>";
        var parameters = new List<string> { $"{ro} packedIh" };
        if (layer.HasBias)
        {
            parameters.Add($"{ro} bias");
        }

        parameters.Add($"{ro} x");
        parameters.Add($"{span} gates");
        string biasText = BiasText(layer);
        w.Summary(
            $"The input product of one step of layer {layer.Index}: <code>gates[0, {layer.GateRows}) = W_ih x{biasText}</code>, x [{layer.InputWidth}],",
            $"W_ih [{layer.GateRows}, {layer.InputWidth}] read from its packed copy in _packed. No step depends on another's input product, so a",
            "layer runs it for every step of a sequence before the recurrence starts; the step then adds the recurrent product.");
        EmitPerInstructionSet(w, plan, ProjectMethod(layer), parameters, isa =>
        {
            var simd = new Simd(plan.Spec.Precision, isa, plan.UnrollProducts);
            w.Line(simd.Reference("weights", "packedIh", layer.InputWidth * layer.GateRows));
            w.Line(simd.Reference("target", "gates", layer.GateRows));
            if (layer.HasBias)
            {
                w.Line(simd.Reference("start", "bias", layer.GateRows));
            }

            ProductEmitter.Emit(w, simd, plan.PanelWidth, new Product(
                $"gates[0, {layer.GateRows}) = W_ih x{biasText}",
                layer.InputWidth,
                layer.GateRows,
                0,
                layer.GateRows,
                "weights",
                "x",
                "target",
                0,
                layer.HasBias ? ProductStart.Bias : ProductStart.Zero,
                layer.HasBias ? "start" : null));
        });
    }

    /// <summary>
    /// <c>LayerKProjectGroup</c>: <see cref="GroupSize"/> input products in one sweep over W_ih, x [GroupSize, input] to
    /// gates [GroupSize, gate scratch]; each equals <see cref="ProjectMethod"/>'s result bit for bit (same multiply-adds, same order).
    /// </summary>
    private static void EmitProjectGroupMethods(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        string ro = $"global::System.ReadOnlySpan<{plan.T}>";
        string span = $"global::System.Span<{plan.T}>";
        var parameters = new List<string> { $"{ro} packedIh" };
        if (layer.HasBias)
        {
            parameters.Add($"{ro} bias");
        }

        parameters.Add($"{ro} x");
        parameters.Add($"{span} gates");
        int gs = layer.GateScratch;
        w.Summary(
            $"<see cref=\"{ProjectMethod(layer)}\"/> for {GroupSize} vectors at once, in one sweep over W_ih: x [{GroupSize}, {layer.InputWidth}] (steps of one sequence, or one step of",
            $"{GroupSize} sequences) -> gates [{GroupSize}, {gs}], row b from x row b. Each W_ih load feeds {GroupSize} multiply-adds; every row equals {ProjectMethod(layer)}'s.");
        EmitPerInstructionSet(w, plan, ProjectGroupMethod(layer), parameters, isa =>
        {
            var simd = new Simd(plan.Spec.Precision, isa);
            if (isa.IsScalar)
            {
                using (w.Block($"for (int sequence = 0; sequence < {GroupSize}; sequence++)", string.Empty))
                {
                    w.Line($"{ProjectMethod(layer)}{isa.Suffix}(packedIh, {(layer.HasBias ? "bias, " : string.Empty)}x.Slice(sequence * {layer.InputWidth}, {layer.InputWidth}), gates.Slice(sequence * {gs}, {gs}));");
                }

                return;
            }

            w.Line(simd.Reference("weights", "packedIh", layer.InputWidth * layer.GateRows));
            w.Line(simd.Reference("xs", "x", GroupSize * layer.InputWidth));
            w.Line(simd.Reference("target", "gates", GroupSize * gs));
            if (layer.HasBias)
            {
                w.Line(simd.Reference("start", "bias", layer.GateRows));
            }

            ProductEmitter.Emit(w, simd, plan.PanelWidth, new Product(
                $"gates[b, 0..{layer.GateRows}) = W_ih x[b]{BiasText(layer)} for b < {GroupSize}",
                layer.InputWidth,
                layer.GateRows,
                0,
                layer.GateRows,
                "weights",
                "xs",
                "target",
                0,
                layer.HasBias ? ProductStart.Bias : ProductStart.Zero,
                layer.HasBias ? "start" : null,
                Count: GroupSize,
                VectorStride: layer.InputWidth,
                TargetStride: gs));
        });
    }

    private static string BiasText(LayerPlan layer) => !layer.HasBias ? string.Empty
        : layer.Spec.Cell == CellKind.Gru ? " + [b_ir + b_hr | b_iz + b_hz | b_in]"
        : " + (b_ih + b_hh)";

    /// <summary>The parameters of <see cref="LayerPlan.StepMethod"/> and <see cref="StepGroupMethod"/>.</summary>
    private static List<string> StepParameters(ModelPlan plan, LayerPlan layer)
    {
        string ro = $"global::System.ReadOnlySpan<{plan.T}>";
        string span = $"global::System.Span<{plan.T}>";
        var parameters = new List<string> { $"{ro} packedHh" };
        if (layer.HasBias && layer.Spec.Cell == CellKind.Gru)
        {
            parameters.Add($"{ro} bias");
        }

        if (layer.HasProjection)
        {
            parameters.Add($"{ro} packedHr");
        }

        if (layer.Spec.Peepholes)
        {
            parameters.Add($"{ro} peephole");
        }

        parameters.Add($"{ro} hPrev");
        parameters.Add($"{span} h");
        if (layer.IsLstm)
        {
            parameters.Add($"{span} c");
        }

        parameters.Add($"{span} gates");
        return parameters;
    }

    /// <summary>
    /// <c>LayerKStepGroup</c>: one step of <see cref="GroupSize"/> sequences, hPrev and h [GroupSize, state], c
    /// [GroupSize, H], gates [GroupSize, gate scratch]: the recurrent products read W_hh once for all of them, the
    /// nonlinearity runs per sequence. Each sequence's results equal <see cref="LayerPlan.StepMethod"/>'s bit for bit.
    /// </summary>
    private static void EmitStepGroupMethods(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        List<string> parameters = StepParameters(plan, layer);
        string name = StepGroupMethod(layer);
        int s = layer.StateWidth;
        int gs = layer.GateScratch;
        w.Summary(
            $"<see cref=\"{layer.StepMethod}\"/> for {GroupSize} sequences at once: hPrev and h [{GroupSize}, {s}]{(layer.IsLstm ? $", c [{GroupSize}, {layer.Hidden}]" : string.Empty)}, gates [{GroupSize}, {gs}],",
            $"sequence b in row b of each (h must not alias hPrev). The products read each block of W_hh once for all {GroupSize} (a matrix-matrix",
            $"product); the nonlinearity runs per sequence. Every row equals what {layer.StepMethod} computes for it, bit for bit.");
        EmitPerInstructionSet(w, plan, name, parameters, isa =>
        {
            var simd = new Simd(plan.Spec.Precision, isa);
            if (!isa.IsScalar)
            {
                EmitStepBody(w, plan, layer, simd, StepForm.Group);
                return;
            }

            // the scalar path has no registers to share: the single-sequence step, sequence by sequence
            using (w.Block($"for (int sequence = 0; sequence < {GroupSize}; sequence++)", string.Empty))
            {
                var arguments = parameters.Select(p => p.Substring(p.LastIndexOf(' ') + 1)).Select(a => a switch
                {
                    "hPrev" or "h" => $"{a}.Slice(sequence * {s}, {s})",
                    "c" => $"c.Slice(sequence * {layer.Hidden}, {layer.Hidden})",
                    "gates" => $"gates.Slice(sequence * {gs}, {gs})",
                    _ => a,
                });
                w.Line($"{layer.StepMethod}{isa.Suffix}({string.Join(", ", arguments)});");
            }
        });
    }

    /// <summary><c>LayerKStep</c>: adds the recurrent product to the gates the input product left, then the cell's nonlinearity.</summary>
    private static void EmitStepMethods(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        List<string> parameters = StepParameters(plan, layer);
        w.Summary(StepSummary(plan, layer));
        EmitPerInstructionSet(w, plan, layer.StepMethod, parameters, isa =>
        {
            var simd = new Simd(plan.Spec.Precision, isa, plan.UnrollProducts);
            EmitStepBody(w, plan, layer, simd, StepForm.Single);
        });
    }

    /// <summary>
    /// A hot method: the dispatcher <paramref name="name"/>, then one <c>AggressiveOptimization</c> variant per
    /// instruction set of the plan, each <c>{name}{suffix}</c> with <paramref name="parameters"/> and the body
    /// <paramref name="body"/> writes for that set. The caller writes the dispatcher's summary first.
    /// </summary>
    public static void EmitPerInstructionSet(SourceWriter w, ModelPlan plan, string name, List<string> parameters, System.Action<Isa> body)
    {
        EmitDispatcher(w, plan, name, parameters);
        foreach (Isa isa in plan.Isas)
        {
            w.Line();
            w.Summary($"<see cref=\"{name}\"/> with {isa.Description}.");
            w.Line(EmitHelpers.AggressiveOptimization);
            w.Line($"private static void {name}{isa.Suffix}({string.Join(", ", parameters)})");
            using (w.Block())
            {
                body(isa);
            }
        }
    }

    /// <summary>A method that forwards its arguments to the variant of the widest instruction set the hardware accelerates.</summary>
    public static void EmitDispatcher(SourceWriter w, ModelPlan plan, string name, List<string> parameters)
    {
        string arguments = string.Join(", ", parameters.Select(p => p.Substring(p.LastIndexOf(' ') + 1)));
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.Line($"private static void {name}({string.Join(", ", parameters)})");
        using (w.Block())
        {
            w.Line("// IsHardwareAccelerated is a JIT-time constant: one call remains in the compiled code");
            for (int i = 0; i < plan.Isas.Count; i++)
            {
                Isa isa = plan.Isas[i];
                string keyword = i == 0 ? $"if ({isa.Condition})" : isa.IsScalar ? "else" : $"else if ({isa.Condition})";
                using (w.Block(keyword, string.Empty))
                {
                    w.Line($"{name}{isa.Suffix}({arguments});");
                }
            }
        }
    }

    private static void EmitStepBody(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, StepForm form)
    {
        LayerSpec spec = layer.Spec;
        int h = layer.Hidden;
        int rows = layer.GateRows;
        int state = layer.StateWidth;
        int count = form.Count;
        w.Line(simd.Reference("weights", "packedHh", state * rows));
        if (form.IsGroup)
        {
            w.Line(simd.Reference("gateGroup", "gates", count * layer.GateScratch));
            w.Line(simd.Reference("hOutGroup", "h", count * state));
            w.Line(simd.Reference("hInGroup", "hPrev", count * state));
        }
        else
        {
            w.Line(simd.Reference("gate", "gates", layer.GateScratch));
            w.Line(simd.Reference("hOut", "h", state));
        }

        if (spec.Cell == CellKind.Gru)
        {
            if (!form.IsGroup)
            {
                w.Line(simd.Reference("hIn", "hPrev", state));
            }

            if (layer.HasBias)
            {
                w.Line(simd.Reference("b", "bias", layer.FoldedBiasLength));
            }
        }

        if (layer.IsLstm)
        {
            w.Line(form.IsGroup ? simd.Reference("cellGroup", "c", count * h) : simd.Reference("cell", "c", h));
        }

        if (spec.Peepholes)
        {
            w.Line(simd.Reference("peep", "peephole", 3 * h));
        }

        if (layer.HasProjection)
        {
            w.Line(simd.Reference("weightsHr", "packedHr", h * state));
        }

        w.Line();
        switch (spec.Cell)
        {
            case CellKind.Rnn:
                Recurrent(w, simd, plan, layer, form, 0, rows, $"gates[0, {rows}) += W_hh h'");
                w.Line();
                bool relu = spec.Activation == RnnActivation.Relu;
                form.Elementwise(w, simd, layer, new[] { "gate", "hOut" }, () =>
                {
                    w.Line($"// h = {(relu ? "relu" : "tanh")}(pre); gates keep the pre-activations for the backward pass");
                    Lanes(w, simd, h, (j, l) =>
                        w.Line(simd.Store("hOut", j, l, $"{VectorActivations}.{(relu ? "Relu" : "Tanh")}({simd.Load("gate", j, l)})")));
                });
                break;
            case CellKind.Lstm:
                Recurrent(w, simd, plan, layer, form, 0, rows, $"gates[0, {rows}) += W_hh h': [i | f | g | o], {h} rows each");
                w.Line();
                form.Elementwise(w, simd, layer, layer.HasProjection ? new[] { "gate", "cell" } : new[] { "gate", "hOut", "cell" }, () => EmitLstmElementwise(w, plan, layer, simd));
                if (layer.HasProjection)
                {
                    w.Line();
                    form.Product(
                        w,
                        simd,
                        plan,
                        layer,
                        new Product($"h = W_hr m: W_hr [{state}, {h}], m = o*tanh(c)", h, state, 0, state, "weightsHr", "m", "hOut", 0, ProductStart.Zero),
                        $"global::System.ReadOnlySpan<{plan.T}> m = gates.Slice({layer.ProjectionInputOffset}, {h});",
                        StepForm.GateBuffer,
                        layer.ProjectionInputOffset);
                }

                break;
            default:
                if (spec.Reset == GruReset.After)
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

    private static void Recurrent(SourceWriter w, Simd simd, ModelPlan plan, LayerPlan layer, StepForm form, int first, int end, string comment) =>
        form.Product(w, simd, plan, layer, new Product(comment, layer.StateWidth, layer.GateRows, first, end, "weights", "hPrev", "gate", first, ProductStart.Accumulate), null, StepForm.HiddenBuffer, 0);

    /// <summary>
    /// How a step body is written: for one sequence (<c>LayerKStep</c>), or for a group of sequences
    /// (<c>LayerKStepGroup</c>) whose products read each block of W once for all of them, the elementwise parts
    /// then running once per sequence over its own slices.
    /// </summary>
    private sealed class StepForm
    {
        /// <summary>The group buffers a product's vector can come from.</summary>
        public const string GateBuffer = "gateGroup";

        public const string HiddenBuffer = "hInGroup";

        private StepForm(int count) => Count = count;

        public static StepForm Single { get; } = new(1);

        public static StepForm Group { get; } = new(GroupSize);

        public int Count { get; }

        public bool IsGroup => Count > 1;

        /// <summary>
        /// A product; for one sequence after <paramref name="spanLine"/> (the span it reads, when not hPrev). In a
        /// group, vector b starts at <paramref name="vectorOffset"/> in sequence b's part of <paramref name="groupVector"/>.
        /// </summary>
        public void Product(SourceWriter w, Simd simd, ModelPlan plan, LayerPlan layer, Product product, string? spanLine, string groupVector, int vectorOffset)
        {
            if (!IsGroup)
            {
                if (spanLine is not null)
                {
                    w.Line(spanLine);
                }

                ProductEmitter.Emit(w, simd, plan.PanelWidth, product);
                return;
            }

            int vectorStride = groupVector == GateBuffer ? layer.GateScratch : layer.StateWidth;
            bool toGates = product.Target == "gate";
            ProductEmitter.Emit(w, simd, plan.PanelWidth, product with
            {
                Comment = product.Comment + $", for each of the {Count} sequences",
                Vector = groupVector,
                Target = toGates ? GateBuffer : "hOutGroup",
                Count = Count,
                VectorOffset = vectorOffset,
                VectorStride = vectorStride,
                TargetStride = toGates ? layer.GateScratch : layer.StateWidth,
            });
        }

        /// <summary>An elementwise part over <paramref name="locals"/> (gate, hOut, hIn, cell): inline for one sequence, in a loop over a group's.</summary>
        public void Elementwise(SourceWriter w, Simd simd, LayerPlan layer, string[] locals, System.Action body)
        {
            if (!IsGroup)
            {
                body();
                return;
            }

            using (w.Block($"for (int sequence = 0; sequence < {Count}; sequence++)", string.Empty))
            {
                foreach (string local in locals)
                {
                    (string group, int stride) = local switch
                    {
                        "gate" => (GateBuffer, layer.GateScratch),
                        "hOut" => ("hOutGroup", layer.StateWidth),
                        "hIn" => (HiddenBuffer, layer.StateWidth),
                        _ => ("cellGroup", layer.Hidden),
                    };
                    w.Line($"ref {simd.T} {local} = ref {Simd.Unsafe}.Add(ref {group}, sequence * {stride});");
                }

                body();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> over [0, count) in chunks of lanes: a loop over the widest vectors (or one
    /// chunk), then constant tails. The body gets the index expression of the chunk's first element and its lanes.
    /// </summary>
    public static void Lanes(SourceWriter w, Simd simd, int count, System.Action<string, int> body)
    {
        List<(int Offset, int Lanes)> chunks = simd.Chunks(count);
        int full = chunks.Count(c => c.Lanes == simd.MaxLanes);
        if (full >= 2)
        {
            using (w.Block($"for (int j = 0; j < {full * simd.MaxLanes}; j += {simd.MaxLanes})", string.Empty))
            {
                body("j", simd.MaxLanes);
            }
        }

        foreach ((int offset, int lanes) in chunks.Skip(full >= 2 ? full : 0))
        {
            using (w.Block(lanes == 1 ? $"// unit {offset}" : $"// units [{offset}, {offset + lanes})", string.Empty))
            {
                body(Literals.Int(offset), lanes);
            }
        }
    }

    private static void EmitLstmElementwise(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd)
    {
        LayerSpec spec = layer.Spec;
        int h = layer.Hidden;
        string clipNote = spec.CellClip is null ? string.Empty : $", clamped to [-cell_clip, cell_clip] (unclamped kept in gates[{layer.RawCellOffset}, {layer.RawCellOffset + h}))";
        w.Line(layer.HasProjection
            ? $"// c = f*c' + i*g{clipNote}, m = o*tanh(c) kept in gates[{layer.ProjectionInputOffset}, {layer.ProjectionInputOffset + h})"
            : $"// c = f*c' + i*g{clipNote}, h = o*tanh(c)");
        w.Line("// i, f, g, o replace their pre-activations in gates: the backward pass reads them there");
        Lanes(w, simd, h, (j, l) =>
        {
            string v = simd.Type(l);
            string At(int offset) => Simd.Index(j, offset);
            w.Line($"{v} cPrev = {simd.Load("cell", j, l)};");
            string peepI = spec.Peepholes ? $" + ({simd.Load("peep", j, l)} * cPrev)" : string.Empty;
            string peepF = spec.Peepholes ? $" + ({simd.Load("peep", At(h), l)} * cPrev)" : string.Empty;
            w.Line($"{v} i = {VectorActivations}.Sigmoid({simd.Load("gate", j, l)}{peepI});");
            w.Line($"{v} f = {VectorActivations}.Sigmoid({simd.Load("gate", At(h), l)}{peepF});");
            w.Line($"{v} g = {VectorActivations}.Tanh({simd.Load("gate", At(2 * h), l)});");
            w.Line($"{v} cNew = (f * cPrev) + (i * g);");
            if (spec.CellClip is { } clip)
            {
                w.Line(simd.Store("gate", At(layer.RawCellOffset), l, "cNew"));
                w.Line($"cNew = {VectorActivations}.Clamp(cNew, {Literals.Real(clip, plan.Spec.Precision)});");
            }

            w.Line(simd.Store("cell", j, l, "cNew"));
            string peepO = spec.Peepholes ? $" + ({simd.Load("peep", At(2 * h), l)} * cNew)" : string.Empty;
            w.Line($"{v} o = {VectorActivations}.Sigmoid({simd.Load("gate", At(3 * h), l)}{peepO});");
            w.Line(simd.Store("gate", j, l, "i"));
            w.Line(simd.Store("gate", At(h), l, "f"));
            w.Line(simd.Store("gate", At(2 * h), l, "g"));
            w.Line(simd.Store("gate", At(3 * h), l, "o"));
            w.Line(layer.HasProjection
                ? simd.Store("gate", At(layer.ProjectionInputOffset), l, $"o * {VectorActivations}.Tanh(cNew)")
                : simd.Store("hOut", j, l, $"o * {VectorActivations}.Tanh(cNew)"));
        });
    }

    private static void EmitGruAfter(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, StepForm form)
    {
        int h = layer.Hidden;
        int rows = layer.GateRows;
        int hidden = rows + (2 * h);
        Recurrent(w, simd, plan, layer, form, 0, 2 * h, $"gates[0, {2 * h}) += W_hr h', W_hz h' (r and z)");
        w.Line();
        form.Product(
            w,
            simd,
            plan,
            layer,
            new Product(
                $"gates[{hidden}, {hidden + h}) = W_hn h'{(layer.HasBias ? " + b_hn" : string.Empty)}, apart from W_in x: r scales it",
                layer.StateWidth,
                rows,
                2 * h,
                3 * h,
                "weights",
                "hPrev",
                "gate",
                hidden,
                layer.HasBias ? ProductStart.Bias : ProductStart.Zero,
                layer.HasBias ? "b" : null,
                3 * h),
            null,
            StepForm.HiddenBuffer,
            0);
        w.Line();
        form.Elementwise(w, simd, layer, new[] { "gate", "hOut", "hIn" }, () =>
        {
            w.Line($"// r = sigmoid(.), z = sigmoid(.), n = tanh(W_in x{(layer.HasBias ? " + b_in" : string.Empty)} + r*(W_hn h'{(layer.HasBias ? " + b_hn" : string.Empty)})), h = (1-z)*n + z*h'");
            w.Line("// r, z, n replace their pre-activations in gates: the backward pass reads them there");
            Lanes(w, simd, h, (j, l) =>
            {
                string v = simd.Type(l);
                string At(int offset) => Simd.Index(j, offset);
                w.Line($"{v} r = {VectorActivations}.Sigmoid({simd.Load("gate", j, l)});");
                w.Line($"{v} z = {VectorActivations}.Sigmoid({simd.Load("gate", At(h), l)});");
                w.Line($"{v} n = {VectorActivations}.Tanh({simd.Load("gate", At(2 * h), l)} + (r * {simd.Load("gate", At(hidden), l)}));");
                w.Line(simd.Store("gate", j, l, "r"));
                w.Line(simd.Store("gate", At(h), l, "z"));
                w.Line(simd.Store("gate", At(2 * h), l, "n"));
                w.Line(simd.Store("hOut", j, l, $"(({simd.Constant(1, l)} - z) * n) + (z * {simd.Load("hIn", j, l)})"));
            });
        });
    }

    private static void EmitGruBefore(SourceWriter w, ModelPlan plan, LayerPlan layer, Simd simd, StepForm form)
    {
        int h = layer.Hidden;
        int rows = layer.GateRows;
        int resetHidden = rows + (2 * h);
        Recurrent(w, simd, plan, layer, form, 0, 2 * h, $"gates[0, {2 * h}) += W_hr h', W_hz h' (r and z)");
        w.Line();
        form.Elementwise(w, simd, layer, new[] { "gate", "hIn" }, () =>
        {
            w.Line($"// r = sigmoid(.), z = sigmoid(.) in place, r*h' into gates[{resetHidden}, {resetHidden + h})");
            Lanes(w, simd, h, (j, l) =>
            {
                string v = simd.Type(l);
                string At(int offset) => Simd.Index(j, offset);
                w.Line($"{v} r = {VectorActivations}.Sigmoid({simd.Load("gate", j, l)});");
                w.Line(simd.Store("gate", j, l, "r"));
                w.Line(simd.Store("gate", At(h), l, $"{VectorActivations}.Sigmoid({simd.Load("gate", At(h), l)})"));
                w.Line(simd.Store("gate", At(resetHidden), l, $"r * {simd.Load("hIn", j, l)}"));
            });
        });
        w.Line();
        form.Product(
            w,
            simd,
            plan,
            layer,
            new Product($"gates[{2 * h}, {3 * h}) += W_hn (r*h')", layer.StateWidth, rows, 2 * h, 3 * h, "weights", "resetHidden", "gate", 2 * h, ProductStart.Accumulate),
            $"global::System.ReadOnlySpan<{plan.T}> resetHidden = gates.Slice({resetHidden}, {h});",
            StepForm.GateBuffer,
            resetHidden);
        w.Line();
        form.Elementwise(w, simd, layer, new[] { "gate", "hOut", "hIn" }, () =>
        {
            w.Line(layer.HasBias
                ? "// n = tanh(W_in x + b_in + W_hn (r*h') + b_hn) in place, h = (1-z)*n + z*h'"
                : "// n = tanh(W_in x + W_hn (r*h')) in place, h = (1-z)*n + z*h'");
            Lanes(w, simd, h, (j, l) =>
            {
                string v = simd.Type(l);
                string At(int offset) => Simd.Index(j, offset);
                w.Line($"{v} z = {simd.Load("gate", At(h), l)};");
                string bHn = layer.HasBias ? $" + {simd.Load("b", At(3 * h), l)}" : string.Empty;
                w.Line($"{v} n = {VectorActivations}.Tanh({simd.Load("gate", At(2 * h), l)}{bHn});");
                w.Line(simd.Store("gate", At(2 * h), l, "n"));
                w.Line(simd.Store("hOut", j, l, $"(({simd.Constant(1, l)} - z) * n) + (z * {simd.Load("hIn", j, l)})"));
            });
        });
    }

    private static string[] StepSummary(ModelPlan plan, LayerPlan layer)
    {
        LayerSpec spec = layer.Spec;
        string options = Options(spec);
        string header = $"One step of layer {layer.Index} ({CellName(spec.Cell)}, hidden {spec.Hidden}{options}, input {layer.InputWidth}; {plan.Spec.SpecFileName} line {spec.Line}).";
        string b = spec.Bias ? " + b_ih" : string.Empty;
        string bh = spec.Bias ? " + b_hh" : string.Empty;
        string shapes = $"On entry gates[0, {layer.GateRows}) holds the input product W_ih x (<see cref=\"{ProjectMethod(layer)}\"/>); hPrev and h [{layer.StateWidth}], W_hh [{layer.GateRows}, {layer.StateWidth}] read from its packed copy; h may alias hPrev.";
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

}
