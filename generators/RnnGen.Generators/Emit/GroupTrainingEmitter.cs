using System.Linq;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits training on <see cref="CellEmitter.GroupSize"/> sequences in lockstep, what AccumulateGradientsBatch runs its
/// batch through: <c>AccumulateGroup</c>, and per layer <c>LayerKTrainRunGroup</c> (the forward pass, every step's
/// recurrent product reading W_hh once for the group) and <c>LayerKBackwardRunGroup</c> (backpropagation through time,
/// every step's products with W_hh^T and W_ih^T reading W once for the group). Each sequence keeps its own training
/// buffers, so its activations, gate derivatives and weight-gradient products are those of AccumulateGradients, and
/// the gradients add up sequence by sequence in the same order.
/// </summary>
internal static class GroupTrainingEmitter
{
    public const string AccumulateGroupMethod = "AccumulateGroup";

    public static string TrainRunGroupMethod(LayerPlan layer) => $"Layer{layer.Index}TrainRunGroup";

    public static string BackwardRunGroupMethod(LayerPlan layer) => $"Layer{layer.Index}BackwardRunGroup";

    public static void EmitBuffers(SourceWriter w, ModelPlan plan, TrainingPlan training)
    {
        string t = plan.T;
        int g = CellEmitter.GroupSize;
        w.Summary($"What <see cref=\"{AccumulateGroupMethod}\"/> keeps: each sequence's training buffers and a layer's lockstep state; made on its first call.");
        w.Line(EmitHelpers.GeneratedCode(ModelEmitter.Version));
        w.Line("private sealed class GroupTrainingBuffers");
        using (w.Block())
        {
            w.Line($"public readonly TrainingBuffers[] Sequences = {{ {string.Join(", ", Enumerable.Repeat("new TrainingBuffers()", g))} }};");
            w.Line($"public readonly {t}[] Work = new {t}[{training.GroupWorkLength}]; // one row per sequence of a layer's h, c, gates and their gradients at one step");
        }
    }

    public static void EmitAccumulateGroup(SourceWriter w, ModelPlan plan, TrainingPlan training)
    {
        string t = plan.T;
        string span = $"global::System.Span<{t}>";
        ModelSpec spec = plan.Spec;
        int g = CellEmitter.GroupSize;
        int steps = spec.Sequence;
        string input = plan.IsTokens ? "int" : t;
        int sequence = plan.IsTokens ? steps : steps * spec.Input.Width;
        bool classes = training.Training.Loss == LossKind.CrossEntropy;
        string target = classes ? "int" : t;
        int targets = classes ? plan.OutputLength : plan.OutputLength * plan.OutputSize;
        w.Summary(
            $"AccumulateGradients for {g} sequences at once (<paramref name=\"inputs\"/> {g} x {sequence}, <paramref name=\"targets\"/> {g} x {targets}),",
            "sequence b over its first <c>lengths[b]</c> steps from zero states; writes each sequence's loss to <paramref name=\"losses\"/>.",
            "The layers run the sequences in lockstep, so each step's products read every weight block once for the group; each",
            "sequence keeps its own buffers, and the gradients add up per sequence in sequence order, as the sequential calls add them.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void {AccumulateGroupMethod}(global::System.ReadOnlySpan<{input}> inputs, global::System.ReadOnlySpan<{target}> targets, global::System.ReadOnlySpan<int> lengths, {span} losses)");
        using (w.Block())
        {
            w.Line("GroupTrainingBuffers group = _trainingGroup ??= new GroupTrainingBuffers();");
            if (plan.IsTokens)
            {
                w.Line($"{span} g = _gradients;");
            }

            if (training.HasDropout)
            {
                w.Line();
                w.Line("// the dropout masks of each sequence in turn, drawn as the sequential calls draw them");
                using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
                {
                    w.Line("TrainingBuffers b = group.Sequences[sequence];");
                    foreach (LayerPlan layer in plan.Layers.Where(l => l.Index > 0))
                    {
                        w.Line($"global::RnnGen.Dropout.FillMask({Buffer(plan, "Masks", training.DroppedOffsets[layer.Index], steps * layer.InputWidth, writable: true)}, {Literals.Real(training.Training.Dropout, Precision.Float64)}, ref _dropoutRandom);");
                    }
                }
            }

            foreach (LayerPlan layer in plan.Layers)
            {
                w.Line();
                if (training.HasDropout && layer.Index > 0)
                {
                    int length = steps * layer.InputWidth;
                    w.Line($"// dropout {Literals.Plain(training.Training.Dropout)} on layer {layer.Index}'s input of each sequence: x * mask");
                    using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
                    {
                        w.Line("TrainingBuffers b = group.Sequences[sequence];");
                        w.Line($"global::System.ReadOnlySpan<{t}> source = {Buffer(plan, "Sequences", training.SequenceOffsets[layer.Index - 1], length, writable: false)};");
                        w.Line($"global::System.ReadOnlySpan<{t}> mask = {Buffer(plan, "Masks", training.DroppedOffsets[layer.Index], length, writable: false)};");
                        w.Line($"{span} dropped = {Buffer(plan, "Dropped", training.DroppedOffsets[layer.Index], length, writable: true)};");
                        using (w.Block($"for (int i = 0; i < {length}; i++)", string.Empty))
                        {
                            w.Line("dropped[i] = source[i] * mask[i];");
                        }
                    }
                }

                w.Line($"// layer {layer.Index} forward, the {g} sequences in lockstep, keeping their activations");
                w.Line($"{TrainRunGroupMethod(layer)}({(layer.Index == 0 ? "inputs, " : string.Empty)}group, lengths);");
            }

            LayerPlan last = plan.LastLayer;
            w.Line();
            w.Line("// each sequence's head, loss and dL/d(top layer's output)");
            using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
            {
                w.Line("TrainingBuffers b = group.Sequences[sequence];");
                w.Line($"global::System.ReadOnlySpan<{target}> target = targets.Slice(sequence * {targets}, {targets});");
                w.Line("int length = lengths[sequence];");
                TrainingEmitter.EmitHeadAndLoss(w, plan, training, Buffer(plan, "Sequences", training.SequenceOffsets[last.Index], steps * last.Width, writable: true));
                w.Line("losses[sequence] = loss;");
            }

            for (int index = plan.Layers.Count - 1; index >= 0; index--)
            {
                LayerPlan layer = plan.Layers[index];
                w.Line();
                w.Line($"// layer {index} backward, the {g} sequences in lockstep");
                w.Line($"{BackwardRunGroupMethod(layer)}({(index == 0 ? "inputs, " : string.Empty)}group, lengths);");
                if (index > 0 && training.HasDropout)
                {
                    int length = steps * layer.InputWidth;
                    using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
                    {
                        w.Line("TrainingBuffers b = group.Sequences[sequence];");
                        w.Line($"{span} dInput = {Buffer(plan, InputGradientBuffer(plan, index), 0, length, writable: true)};");
                        w.Line($"global::System.ReadOnlySpan<{t}> mask = {Buffer(plan, "Masks", training.DroppedOffsets[index], length, writable: false)};");
                        using (w.Block($"for (int i = 0; i < {length}; i++)", string.Empty))
                        {
                            w.Line("dInput[i] *= mask[i];");
                        }
                    }
                }
            }

            if (plan.IsTokens)
            {
                w.Line();
                using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
                {
                    w.Line("TrainingBuffers b = group.Sequences[sequence];");
                    w.Line($"global::System.ReadOnlySpan<int> input = inputs.Slice(sequence * {sequence}, {sequence});");
                    w.Line("int length = lengths[sequence];");
                    w.Line($"global::System.ReadOnlySpan<{t}> dInput0 = {Buffer(plan, InputGradientBuffer(plan, 0), 0, steps * spec.Input.Width, writable: false)};");
                    TrainingEmitter.EmitEmbeddingGradient(w, plan);
                }
            }
        }
    }

    /// <summary>
    /// <c>LayerKTrainRunGroup</c>: TrainRun for the group: each sequence's input products first (into its cache rows), then
    /// iteration r runs step t = r (forward) or t = length - 1 - r (reverse) of every sequence through one StepGroup, its
    /// cache row gathered before and its activations, h and c scattered back after; a sequence past its length runs on
    /// zeros and its results are dropped.
    /// </summary>
    public static void EmitTrainRunGroup(SourceWriter w, ModelPlan plan, TrainingPlan training, LayerPlan layer)
    {
        string t = plan.T;
        string ro = $"global::System.ReadOnlySpan<{t}>";
        string span = $"global::System.Span<{t}>";
        int g = CellEmitter.GroupSize;
        int steps = plan.Spec.Sequence;
        int s = layer.StateWidth;
        int h = layer.Hidden;
        int gs = layer.GateScratch;
        int width = layer.Width;
        int k = layer.Index;
        bool tokens = plan.IsTokens && k == 0;
        w.Summary(
            $"<see cref=\"{TrainingEmitter.TrainRunMethod(layer)}\"/> for {g} sequences in lockstep, sequence b over its first <c>lengths[b]</c> steps from zero states, each",
            "into its own training buffers: iteration r runs step t = r (forward) or t = lengths[b] - 1 - r (reverse) of every sequence through",
            $"one {CellEmitter.StepGroupMethod(layer)}, so W_hh is read once per step for the group. Every value kept equals TrainRun's, bit for bit.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void {TrainRunGroupMethod(layer)}({InputsParameter(plan, layer)}GroupTrainingBuffers group, global::System.ReadOnlySpan<int> lengths)");
        using (w.Block())
        {
            w.Line($"{ro} p = _parameters;");
            w.Line($"{ro} packed = _packed.Span;");
            if (layer.HasBias)
            {
                w.Line($"{ro} bias = _foldedBias;");
            }

            var work = new WorkLayout(w, span);
            work.Add("hA", g * s);
            work.Add("hB", g * s);
            if (layer.IsLstm)
            {
                work.Add("c", g * h);
            }

            work.Add("gates", g * gs);
            w.Line($"int longest = {ForwardEmitter.MaxOfLengths(0, g)};");
            foreach (DirectionPlan direction in layer.Directions)
            {
                int d = direction.Index;
                string time = direction.Reverse ? "lengths[sequence] - 1 - r" : "r";
                string cacheRow = Row(training.CacheOffsets[k] + (d * steps * gs), "step", gs);
                w.Line();
                w.Line(direction.Reverse
                    ? $"// reverse: iteration r runs step t = lengths[b] - 1 - r of sequence b, h(t) in its output[t, {s}..{2 * s})"
                    : $"// forward: iteration r runs step t = r of every sequence, h(t) in its output[t, 0..{s})");
                using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
                {
                    w.Line("TrainingBuffers b = group.Sequences[sequence];");
                    w.Line($"{(tokens ? "global::System.ReadOnlySpan<int>" : ro)} input = {LayerInput(plan, training, layer)};");
                    w.Line($"{span} caches = {Buffer(plan, "Caches", training.CacheOffsets[k], layer.Directions.Count * steps * gs, writable: true)};");
                    w.Line("int length = lengths[sequence];");
                    if (!tokens)
                    {
                        w.Line($"int grouped = length - (length % {g});");
                    }

                    TrainingEmitter.EmitInputProducts(w, plan, layer, direction);
                }

                w.Line();
                w.Line("hA.Clear();");
                if (layer.IsLstm)
                {
                    w.Line("c.Clear();");
                }

                using (w.Block("for (int r = 0; r < longest; r++)", string.Empty))
                {
                    w.Line("// gather each sequence's cache row (its input product), zeros past its end");
                    using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
                    {
                        w.Line($"{span} row = gates.Slice(sequence * {gs}, {gs});");
                        using (w.Block("if (r >= lengths[sequence])", string.Empty))
                        {
                            w.Line("row.Clear();");
                            w.Line("continue;");
                        }

                        w.Line($"int step = {time};");
                        w.Line($"new {ro}(group.Sequences[sequence].Caches, {cacheRow}, {gs}).CopyTo(row);");
                    }

                    w.Line($"{CellEmitter.StepGroupMethod(layer)}({CellEmitter.StepArguments(layer, direction, "hA", "hB", "c", "gates")});");
                    w.Line("// scatter what the step computed to the sequences' activations, outputs" + (layer.IsLstm ? " and cell states" : string.Empty));
                    using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
                    {
                        using (w.Block("if (r >= lengths[sequence])", string.Empty))
                        {
                            w.Line("continue;");
                        }

                        w.Line("TrainingBuffers b = group.Sequences[sequence];");
                        w.Line($"int step = {time};");
                        w.Line($"gates.Slice(sequence * {gs}, {gs}).CopyTo(new {span}(b.Caches, {cacheRow}, {gs}));");
                        w.Line($"hB.Slice(sequence * {s}, {s}).CopyTo(new {span}(b.Sequences, {Row(training.SequenceOffsets[k] + (direction.Reverse ? s : 0), "step", width)}, {s}));");
                        if (layer.IsLstm)
                        {
                            w.Line($"c.Slice(sequence * {h}, {h}).CopyTo(new {span}(b.Cells, {Row(training.CellOffsets[k] + (d * steps * h), "step", h)}, {h}));");
                        }
                    }

                    w.Line($"{span} swap = hA;");
                    w.Line("hA = hB;");
                    w.Line("hB = swap;");
                }
            }
        }
    }

    /// <summary>
    /// <c>LayerKBackwardRunGroup</c>: BackwardRun for the group: iteration r runs each sequence's steps in the reverse of
    /// its forward order (t = length - 1 - r for the forward direction, t = r for the reverse one) through one
    /// BackwardStepGroup, gathering what the step reads and scattering its row of dA (and dx); then each sequence's
    /// weight gradients, as BackwardRun computes them.
    /// </summary>
    public static void EmitBackwardRunGroup(SourceWriter w, ModelPlan plan, TrainingPlan training, LayerPlan layer)
    {
        string t = plan.T;
        string ro = $"global::System.ReadOnlySpan<{t}>";
        string span = $"global::System.Span<{t}>";
        int g = CellEmitter.GroupSize;
        int steps = plan.Spec.Sequence;
        int s = layer.StateWidth;
        int h = layer.Hidden;
        int gs = layer.GateScratch;
        int bs = TrainingPlan.BackwardScratch(layer);
        int width = layer.Width;
        int input = layer.InputWidth;
        int k = layer.Index;
        bool tokens = plan.IsTokens && k == 0;
        bool dx = BackwardEmitter.HasInputGradient(plan, layer);
        bool gru = layer.Spec.Cell == CellKind.Gru;
        bool rnn = layer.Spec.Cell == CellKind.Rnn;
        string dOutputBuffer = OutputGradientBuffer(plan, k);
        w.Summary(
            $"<see cref=\"{BackwardEmitter.RunMethod(layer)}\"/> for {g} sequences in lockstep, from the zero states: iteration r runs step t = lengths[b] - 1 - r (forward",
            $"direction) or t = r (reverse) of sequence b through one {BackwardEmitter.StepGroupMethod(layer)}, so W_hh^T{(dx ? " and W_ih^T are" : " is")} read once per step for the group;",
            "each sequence's rows of dA land in its own buffer, then its weight gradients are added as BackwardRun adds them.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void {BackwardRunGroupMethod(layer)}({InputsParameter(plan, layer)}GroupTrainingBuffers group, global::System.ReadOnlySpan<int> lengths)");
        using (w.Block())
        {
            w.Line($"{ro} p = _parameters;");
            w.Line($"{span} g = _gradients;");
            var work = new WorkLayout(w, span);
            work.Add("dh", g * s);
            work.Add("dhNext", g * s);
            if (layer.IsLstm)
            {
                work.Add("dc", g * h);
                work.Add("c", g * h);
                work.Add("cPrev", g * h);
            }

            if (gru)
            {
                work.Add("hPrev", g * s);
            }

            if (rnn)
            {
                work.Add("h", g * s);
            }

            work.Add("cache", g * gs);
            work.Add("scratch", g * bs);
            if (dx)
            {
                work.Add("dx", g * input);
            }

            w.Line($"int longest = {ForwardEmitter.MaxOfLengths(0, g)};");
            if (dx || tokens)
            {
                using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
                {
                    w.Line("TrainingBuffers b = group.Sequences[sequence];");
                    if (dx)
                    {
                        w.Line($"{Buffer(plan, InputGradientBuffer(plan, k), 0, steps * input, writable: true)}.Clear();");
                    }

                    if (tokens)
                    {
                        w.Line("// X of dW_ih: the embedding rows the steps read, gathered");
                        w.Line($"global::System.ReadOnlySpan<int> input = inputs.Slice(sequence * {steps}, {steps});");
                        w.Line($"{span} embedded = {Buffer(plan, "Work", training.GatheredInputOffset, steps * input, writable: true)};");
                        using (w.Block("for (int step = 0; step < lengths[sequence]; step++)", string.Empty))
                        {
                            w.Line($"p.Slice(EmbeddingWeight + (input[step] * {input}), {input}).CopyTo(embedded.Slice(step * {input}, {input}));");
                        }
                    }
                }
            }

            foreach (DirectionPlan direction in layer.Directions)
            {
                int d = direction.Index;
                int offset = direction.Reverse ? s : 0;
                string time = direction.Reverse ? "r" : "length - 1 - r";
                string first = direction.Reverse ? "step == length - 1" : "step == 0";
                string previous = direction.Reverse ? "step + 1" : "step - 1";
                w.Line();
                w.Line(direction.Reverse
                    ? "// reverse direction: its forward pass read t = length-1..0, so iteration r runs t = r of each sequence"
                    : "// forward direction: iteration r runs t = length-1-r of each sequence");
                w.Line("dhNext.Clear();");
                if (layer.IsLstm)
                {
                    w.Line("dc.Clear();");
                }

                using (w.Block("for (int r = 0; r < longest; r++)", string.Empty))
                {
                    w.Line("// gather what each sequence's step reads; zeros past its end (its results are dropped)");
                    using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
                    {
                        w.Line("int length = lengths[sequence];");
                        w.Line($"{span} dhRow = dh.Slice(sequence * {s}, {s});");
                        w.Line($"{span} cacheRow = cache.Slice(sequence * {gs}, {gs});");
                        using (w.Block("if (r >= length)", string.Empty))
                        {
                            w.Line("dhRow.Clear();");
                            w.Line("cacheRow.Clear();");
                            if (layer.IsLstm)
                            {
                                w.Line($"c.Slice(sequence * {h}, {h}).Clear();");
                                w.Line($"cPrev.Slice(sequence * {h}, {h}).Clear();");
                            }

                            if (gru)
                            {
                                w.Line($"hPrev.Slice(sequence * {s}, {s}).Clear();");
                            }

                            if (rnn)
                            {
                                w.Line($"h.Slice(sequence * {s}, {s}).Clear();");
                            }

                            if (dx)
                            {
                                w.Line($"dx.Slice(sequence * {input}, {input}).Clear();");
                            }

                            w.Line("continue;");
                        }

                        w.Line("TrainingBuffers b = group.Sequences[sequence];");
                        w.Line($"int step = {time};");
                        w.Line($"{ro} dOutput = new {ro}(b.{dOutputBuffer}, {Row(offset, "step", width)}, {s});");
                        w.Line($"{ro} dhCarried = dhNext.Slice(sequence * {s}, {s});");
                        using (w.Block($"for (int j = 0; j < {s}; j++)", string.Empty))
                        {
                            w.Line("dhRow[j] = dOutput[j] + dhCarried[j];");
                        }

                        w.Line($"new {ro}(b.Caches, {Row(training.CacheOffsets[k] + (d * steps * gs), "step", gs)}, {gs}).CopyTo(cacheRow);");
                        if (layer.IsLstm)
                        {
                            int cells = training.CellOffsets[k] + (d * steps * h);
                            w.Line($"new {ro}(b.Cells, {Row(cells, "step", h)}, {h}).CopyTo(c.Slice(sequence * {h}, {h}));");
                            using (w.Block($"if ({first})", string.Empty))
                            {
                                w.Line($"cPrev.Slice(sequence * {h}, {h}).Clear();");
                            }

                            using (w.Block("else", string.Empty))
                            {
                                w.Line($"new {ro}(b.Cells, {Row(cells, $"({previous})", h)}, {h}).CopyTo(cPrev.Slice(sequence * {h}, {h}));");
                            }
                        }

                        if (gru)
                        {
                            using (w.Block($"if ({first})", string.Empty))
                            {
                                w.Line($"hPrev.Slice(sequence * {s}, {s}).Clear();");
                            }

                            using (w.Block("else", string.Empty))
                            {
                                w.Line($"new {ro}(b.Sequences, {Row(training.SequenceOffsets[k] + offset, $"({previous})", width)}, {s}).CopyTo(hPrev.Slice(sequence * {s}, {s}));");
                            }
                        }

                        if (rnn)
                        {
                            w.Line($"new {ro}(b.Sequences, {Row(training.SequenceOffsets[k] + offset, "step", width)}, {s}).CopyTo(h.Slice(sequence * {s}, {s}));");
                        }

                        if (dx)
                        {
                            w.Line("// dx adds to what the other direction left in this step's input gradient");
                            w.Line($"new {ro}(b.{InputGradientBuffer(plan, k)}, step * {input}, {input}).CopyTo(dx.Slice(sequence * {input}, {input}));");
                        }
                    }

                    w.Line("dhNext.Clear();");
                    w.Line($"{BackwardEmitter.StepGroupMethod(layer)}({BackwardEmitter.StepCallArguments(plan, layer, direction)});");
                    w.Line("// scatter each sequence's row of dA" + (dx ? " and its dx" : string.Empty));
                    using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
                    {
                        w.Line("int length = lengths[sequence];");
                        using (w.Block("if (r >= length)", string.Empty))
                        {
                            w.Line("continue;");
                        }

                        w.Line("TrainingBuffers b = group.Sequences[sequence];");
                        w.Line($"int step = {time};");
                        w.Line($"scratch.Slice(sequence * {bs}, {bs}).CopyTo(new {span}(b.Work, {Row(training.GateGradientsOffset, "step", bs)}, {bs}));");
                        if (dx)
                        {
                            w.Line($"dx.Slice(sequence * {input}, {input}).CopyTo(new {span}(b.{InputGradientBuffer(plan, k)}, step * {input}, {input}));");
                        }
                    }
                }

                w.Line();
                w.Line("// each sequence's weight gradients, from its rows of dA");
                using (w.Block($"for (int sequence = 0; sequence < {g}; sequence++)", string.Empty))
                {
                    w.Line("TrainingBuffers b = group.Sequences[sequence];");
                    w.Line("int length = lengths[sequence];");
                    w.Line($"{span} gates = {Buffer(plan, "Work", training.GateGradientsOffset, steps * bs, writable: true)};");
                    w.Line($"{ro} output = {Buffer(plan, "Sequences", training.SequenceOffsets[k], steps * width, writable: false)};");
                    if (layer.Spec.Cell == CellKind.Gru && layer.Spec.Reset == GruReset.Before)
                    {
                        w.Line($"{ro} caches = {Buffer(plan, "Caches", training.CacheOffsets[k], layer.Directions.Count * steps * gs, writable: false)};");
                    }

                    string xs = tokens
                        ? Buffer(plan, "Work", training.GatheredInputOffset, steps * input, writable: false)
                        : LayerInput(plan, training, layer);
                    w.Line($"{ro} xs = {xs};");
                    BackwardEmitter.EmitWeightGradients(w, layer, direction, steps, "xs", initialStates: false);
                }
            }
        }
    }

    /// <summary>The inputs parameter of a layer's group methods: the batch's inputs for the first layer, nothing for the others.</summary>
    private static string InputsParameter(ModelPlan plan, LayerPlan layer) =>
        layer.Index == 0 ? $"global::System.ReadOnlySpan<{(plan.IsTokens ? "int" : plan.T)}> inputs, " : string.Empty;

    /// <summary>Layer <paramref name="layer"/>'s input of sequence <c>sequence</c> (training buffers <c>b</c>).</summary>
    private static string LayerInput(ModelPlan plan, TrainingPlan training, LayerPlan layer)
    {
        int steps = plan.Spec.Sequence;
        if (layer.Index == 0)
        {
            int sequence = plan.IsTokens ? steps : steps * layer.InputWidth;
            return $"inputs.Slice(sequence * {sequence}, {sequence})";
        }

        return training.HasDropout
            ? Buffer(plan, "Dropped", training.DroppedOffsets[layer.Index], steps * layer.InputWidth, writable: false)
            : Buffer(plan, "Sequences", training.SequenceOffsets[layer.Index - 1], steps * layer.InputWidth, writable: false);
    }

    /// <summary>The buffer that holds dL/d(layer <paramref name="index"/>'s input), as AccumulateGradients alternates them.</summary>
    private static string InputGradientBuffer(ModelPlan plan, int index) => (plan.Layers.Count - 1 - index) % 2 == 0 ? "GradientB" : "GradientA";

    /// <summary>The buffer that holds dL/d(layer <paramref name="index"/>'s output): dTop's for the top layer, else the next layer's input gradient.</summary>
    private static string OutputGradientBuffer(ModelPlan plan, int index) => index == plan.Layers.Count - 1 ? "GradientA" : InputGradientBuffer(plan, index + 1);

    /// <summary>Where row <paramref name="row"/> of rows <paramref name="length"/> long starts, the first at <paramref name="start"/>.</summary>
    private static string Row(int start, string row, int length) => start == 0 ? $"{row} * {length}" : $"{start} + ({row} * {length})";

    private static string Buffer(ModelPlan plan, string array, int offset, int length, bool writable) =>
        $"new global::System.{(writable ? "Span" : "ReadOnlySpan")}<{plan.T}>(b.{array}, {offset}, {length})";

    /// <summary>Consecutive slices of the group's work buffer, one row per sequence each.</summary>
    private sealed class WorkLayout
    {
        private readonly SourceWriter _writer;
        private readonly string _span;
        private int _offset;

        public WorkLayout(SourceWriter writer, string span)
        {
            _writer = writer;
            _span = span;
            _writer.Line($"{span} work = group.Work;");
        }

        public void Add(string name, int length)
        {
            _writer.Line($"{_span} {name} = work.Slice({_offset}, {length});");
            _offset += length;
        }
    }
}
