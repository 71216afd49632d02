using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>Emits <c>Predict</c> and the per-layer methods that run a whole sequence.</summary>
internal static class ForwardEmitter
{
    public static void EmitPredict(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        string ro = $"global::System.ReadOnlySpan<{t}>";
        string span = $"global::System.Span<{t}>";
        ModelSpec spec = plan.Spec;
        int steps = spec.Sequence;
        string input = InputType(plan);

        w.Summary(
            plan.IsTokens
                ? $"Runs the model over one sequence: <paramref name=\"input\"/> holds SequenceLength = {steps} token ids in [0, VocabSize = {spec.Input.Vocab}),"
                : $"Runs the model over one sequence: <paramref name=\"input\"/> is [SequenceLength = {steps}, InputSize = {spec.Input.Width}] row-major,",
            $"<paramref name=\"output\"/> receives [OutputLength = {plan.OutputLength}, OutputSize = {plan.OutputSize}].",
            spec.Output.Mode == OutputMode.ManyToOne
                ? "Many-to-one: the head reads the last layer's final states, <code>[h_fwd(T-1), h_bwd(0)]</code> (PyTorch <c>h_n</c>)."
                : "Many-to-many: the head reads the last layer's output at every step.",
            "Allocates nothing after a thread's first call; safe to call from several threads at once.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not have the length above.</exception>");
        if (plan.IsTokens)
        {
            w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A token id is outside [0, VocabSize).</exception>");
        }

        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public void Predict({input} input, {span} output) => Predict(input, output, SequenceLength, default, default, default, default);");
        w.Line();

        w.Summary(
            "Runs the model over the first <paramref name=\"length\"/> steps of <paramref name=\"input\"/> (1..SequenceLength), as PyTorch runs a packed",
            "sequence: later steps are not read, the reverse direction starts at step length - 1, many-to-one reads the states at the",
            "sequence's own end, and many-to-many output rows from <paramref name=\"length\"/> on are zeros.");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"length\"/> is outside [1, SequenceLength].</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public void Predict({input} input, {span} output, int length) => Predict(input, output, length, default, default, default, default);");
        w.Line();

        w.Summary(
            "Runs the first <paramref name=\"length\"/> steps from the initial states <paramref name=\"h0\"/> and <paramref name=\"c0\"/> and writes the final",
            $"states to <paramref name=\"hn\"/> and <paramref name=\"cn\"/>: h is [HiddenStateSize = {plan.HiddenStateSize}], every layer's [directions, P or H] after the",
            $"previous layer's (PyTorch's h_n of each layer); c is [CellStateSize = {plan.CellStateSize}], the same for the lstm layers. A forward",
            "direction ends at step length - 1, a reverse one at step 0. An empty h0 or c0 is the zero state; an empty hn or cn is not written.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has neither its length nor 0 (the state spans).</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public void Predict({input} input, {span} output, int length, {ro} h0, {ro} c0, {span} hn, {span} cn)");
        using (w.Block())
        {
            EmitLengthCheck(w, "input", plan.IsTokens ? "SequenceLength" : "SequenceLength * InputSize", plan.IsTokens ? steps : steps * spec.Input.Width);
            EmitLengthCheck(w, "output", "OutputLength * OutputSize", plan.OutputLength * plan.OutputSize);
            EmitSequenceChecks(w, plan, "hn", "cn");
            w.Line();
            w.Line(plan.PredictScratchOnStack
                ? $"{span} scratch = stackalloc {t}[PredictScratchLength];"
                : $"{span} scratch = ThreadScratch().Slice(0, PredictScratchLength);");
            w.Line($"{span} sequenceA = scratch.Slice(0, {plan.SequenceBufferLength});");
            w.Line($"{span} sequenceB = scratch.Slice({plan.SequenceBufferLength}, {plan.SequenceBufferLength});");
            w.Line($"{span} work = scratch.Slice({2 * plan.SequenceBufferLength}, {plan.WorkLength});");
            if (spec.Output.Mode == OutputMode.ManyToOne)
            {
                w.Line($"{span} features = scratch.Slice({(2 * plan.SequenceBufferLength) + plan.WorkLength}, {plan.FeatureWidth});");
            }

            w.Line();
            string source = "input";
            foreach (LayerPlan layer in plan.Layers)
            {
                string target = layer.Index % 2 == 0 ? "sequenceA" : "sequenceB";
                int length = steps * layer.Width;
                string inputShape = plan.IsTokens && layer.Index == 0 ? $"[{steps}] tokens" : $"[{steps}, {layer.InputWidth}]";
                w.Line($"// layer {layer.Index} ({CellEmitter.CellName(layer.Spec.Cell)} {layer.Hidden}, {DirectionName(layer)}): {inputShape} -> [{steps}, {layer.Width}]");
                w.Line($"{layer.RunMethod}({source}, {target}.Slice(0, {length}), work, length, {plan.HiddenSlice("h0", layer)}, {plan.CellSlice("c0", layer)}, {plan.HiddenSlice("hn", layer)}, {plan.CellSlice("cn", layer)});");
                source = $"{target}.Slice(0, {length})";
            }

            w.Line();
            w.Line($"{span} top = {source};");
            EmitHeadCall(w, plan, plan.LastLayer);
        }
    }

    /// <summary>The checks every entry point with a length and state spans makes before it touches anything.</summary>
    public static void EmitSequenceChecks(SourceWriter w, ModelPlan plan, string hiddenOut, string cellOut)
    {
        int steps = plan.Spec.Sequence;
        using (w.Block($"if ((uint)(length - 1) >= {steps})", string.Empty))
        {
            w.Line($"throw new global::System.ArgumentOutOfRangeException(nameof(length), length, \"The length of a sequence is 1 to SequenceLength = {steps}.\");");
        }

        EmitStateCheck(w, "h0", "HiddenStateSize", plan.HiddenStateSize);
        EmitStateCheck(w, "c0", "CellStateSize", plan.CellStateSize);
        EmitStateCheck(w, hiddenOut, "HiddenStateSize", plan.HiddenStateSize);
        EmitStateCheck(w, cellOut, "CellStateSize", plan.CellStateSize);
        if (plan.IsTokens)
        {
            using (w.Block("for (int step = 0; step < length; step++)", string.Empty))
            {
                EmitTokenCheck(w, "input[step]", "\"input[\" + step + \"]\"");
            }
        }
    }

    private static void EmitStateCheck(SourceWriter w, string name, string constant, int size)
    {
        if (size == 0)
        {
            using (w.Block($"if ({name}.Length != 0)", string.Empty))
            {
                w.Line($"throw new {EmitHelpers.ArgumentException}(\"{name} must be empty: {constant} is 0, this model has no lstm layer.\", nameof({name}));");
            }

            return;
        }

        using (w.Block($"if ({name}.Length != 0 && {name}.Length != {size})", string.Empty))
        {
            w.Line($"throw new {EmitHelpers.ArgumentException}(\"{name} must be empty or hold {constant} = {size} values, not \" + {name}.Length + \".\", nameof({name}));");
        }
    }

    /// <summary>The type of Predict's input: token ids or features.</summary>
    public static string InputType(ModelPlan plan) =>
        plan.IsTokens ? "global::System.ReadOnlySpan<int>" : $"global::System.ReadOnlySpan<{plan.T}>";

    /// <summary>Rejects a token id outside the vocabulary before anything reads the embedding.</summary>
    public static void EmitTokenCheck(SourceWriter w, string token, string nameExpression)
    {
        using (w.Block($"if ((uint){token} >= VocabSize)", string.Empty))
        {
            w.Line($"throw new global::System.ArgumentOutOfRangeException({nameExpression}, {token}, \"A token id must be in [0, VocabSize).\");");
        }
    }

    internal static void EmitHeadCall(SourceWriter w, ModelPlan plan, LayerPlan last)
    {
        int width = last.Width;
        int h = last.StateWidth;
        bool hasHead = plan.Spec.Output.Head != HeadKind.None;
        if (plan.Spec.Output.Mode == OutputMode.ManyToOne)
        {
            w.Line(last.Directions.Count == 2
                ? "// features = [h_fwd(length-1), h_bwd(0)]: the forward direction ends at the last step, the reverse one at the first"
                : "// features = h(length-1), the last layer's final state");
            w.Line($"top.Slice((length - 1) * {width}, {h}).CopyTo(features);");
            if (last.Directions.Count == 2)
            {
                w.Line($"top.Slice({h}, {h}).CopyTo(features.Slice({h}));");
            }

            w.Line(hasHead ? "Head(features, output);" : "features.CopyTo(output);");
            return;
        }

        if (!hasHead)
        {
            w.Line("// head: none, the output is the last layer's output sequence; zeros past the length");
            w.Line($"top.Slice(0, length * {width}).CopyTo(output);");
        }
        else
        {
            w.Line("// the head at every step of the sequence; zeros past its length");
            using (w.Block("for (int step = 0; step < length; step++)", string.Empty))
            {
                w.Line($"Head(top.Slice(step * {width}, {width}), output.Slice(step * OutputSize, OutputSize));");
            }
        }

        w.Line("output.Slice(length * OutputSize).Clear();");
    }

    public static void EmitLengthCheck(SourceWriter w, string name, string expression, int value)
    {
        using (w.Block($"if ({name}.Length != {value})", string.Empty))
        {
            w.Line($"throw new {EmitHelpers.ArgumentException}(\"{name} must hold {expression} = {value} values, not \" + {name}.Length + \".\", nameof({name}));");
        }
    }

    public static void EmitRun(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        string t = plan.T;
        string ro = $"global::System.ReadOnlySpan<{t}>";
        string span = $"global::System.Span<{t}>";
        int steps = plan.Spec.Sequence;
        int s = layer.StateWidth;
        int h = layer.Hidden;
        int width = layer.Width;
        int input = layer.InputWidth;
        bool tokens = plan.IsTokens && layer.Index == 0;

        w.Summary(
            tokens
                ? $"Runs layer {layer.Index} over the first <paramref name=\"length\"/> steps: <paramref name=\"input\"/> [{steps}] token ids, each looked up in embedding.weight -> <paramref name=\"output\"/> [{steps}, {width}]."
                : $"Runs layer {layer.Index} over the first <paramref name=\"length\"/> steps: <paramref name=\"input\"/> [{steps}, {input}] -> <paramref name=\"output\"/> [{steps}, {width}].",
            layer.Directions.Count == 2
                ? $"The forward direction reads t = 0..length-1 into output[t, 0..{s}); the reverse one reads t = length-1..0 into output[t, {s}..{2 * s})."
                : "Reads t = 0..length-1.",
            $"Directions start from h0 [{layer.Directions.Count}, {s}]" + (layer.IsLstm ? $" and c0 [{layer.Directions.Count}, {h}]" : string.Empty) + " (zeros when empty) and leave their final states in hn" + (layer.IsLstm ? " and cn" : string.Empty) + " when given.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void {layer.RunMethod}({(tokens ? "global::System.ReadOnlySpan<int>" : ro)} input, {span} output, {span} work, int length, {ro} h0, {ro} c0, {span} hn, {span} cn)");
        using (w.Block())
        {
            w.Line($"{ro} p = _parameters;");
            w.Line($"{ro} packed = _packed.Span;");
            if (layer.HasBias)
            {
                w.Line($"{ro} bias = _foldedBias;");
            }

            w.Line($"{span} zero = work.Slice(0, {s});");
            if (layer.IsLstm)
            {
                w.Line($"{span} c = work.Slice({plan.MaxHidden}, {h});");
            }

            w.Line($"{span} gates = work.Slice({2 * plan.MaxHidden}, {steps * layer.GateScratch});");
            w.Line("zero.Clear();");
            if (!tokens)
            {
                w.Line($"int grouped = length - (length % {CellEmitter.GroupSize});");
            }
            string x = tokens
                ? $"p.Slice(EmbeddingWeight + (input[step] * {input}), {input})"
                : $"input.Slice(step * {input}, {input})";
            foreach (DirectionPlan direction in layer.Directions)
            {
                int d = direction.Index;
                int offset = direction.Reverse ? s : 0;
                w.Line();
                w.Line(direction.Reverse ? $"// reverse: t = length-1..0, h(t) in output[t, {s}..{2 * s})" : $"// forward: t = 0..length-1, h(t) in output[t, 0..{s})");
                w.Line($"{ro} start{d} = h0.IsEmpty ? zero : h0.Slice({d * s}, {s});");
                if (layer.IsLstm)
                {
                    using (w.Block("if (c0.IsEmpty)", string.Empty))
                    {
                        w.Line("c.Clear();");
                    }

                    using (w.Block("else", string.Empty))
                    {
                        w.Line($"c0.Slice({d * h}, {h}).CopyTo(c);");
                    }
                }

                int gs = layer.GateScratch;
                string row = $"gates.Slice(step * {gs}, {gs})";
                if (tokens)
                {
                    w.Line("// the input product of every step first: no step waits for it");
                    using (w.Block("for (int step = 0; step < length; step++)", string.Empty))
                    {
                        w.Line($"{CellEmitter.ProjectMethod(layer)}({CellEmitter.ProjectArguments(layer, direction, x, row)});");
                    }
                }
                else
                {
                    int g = CellEmitter.GroupSize;
                    w.Line($"// the input product of every step first, no step waits for it: {g} steps per sweep over W_ih, then one at a time");
                    using (w.Block($"for (int step = 0; step < grouped; step += {g})", string.Empty))
                    {
                        w.Line($"{CellEmitter.ProjectGroupMethod(layer)}({CellEmitter.ProjectArguments(layer, direction, $"input.Slice(step * {input}, {g * input})", $"gates.Slice(step * {gs}, {g * gs})")});");
                    }

                    using (w.Block("for (int step = grouped; step < length; step++)", string.Empty))
                    {
                        w.Line($"{CellEmitter.ProjectMethod(layer)}({CellEmitter.ProjectArguments(layer, direction, x, row)});");
                    }
                }

                string call(string hPrev, string hOut) => $"{layer.StepMethod}({CellEmitter.StepArguments(layer, direction, hPrev, hOut, "c", row)});";
                if (!direction.Reverse)
                {
                    using (w.Block("for (int step = 0; step < length; step++)", string.Empty))
                    {
                        w.Line($"{ro} hPrev = step == 0 ? start{d} : output.Slice((step - 1) * {width}, {s});");
                        w.Line(call("hPrev", $"output.Slice(step * {width}, {s})"));
                    }
                }
                else
                {
                    using (w.Block("for (int step = length - 1; step >= 0; step--)", string.Empty))
                    {
                        w.Line($"{ro} hPrev = step == length - 1 ? start{d} : output.Slice(((step + 1) * {width}) + {s}, {s});");
                        w.Line(call("hPrev", $"output.Slice((step * {width}) + {s}, {s})"));
                    }
                }

                using (w.Block("if (!hn.IsEmpty)", string.Empty))
                {
                    w.Line(direction.Reverse
                        ? $"output.Slice({offset}, {s}).CopyTo(hn.Slice({d * s}, {s}));"
                        : $"output.Slice((length - 1) * {width}, {s}).CopyTo(hn.Slice({d * s}, {s}));");
                }

                if (layer.IsLstm)
                {
                    using (w.Block("if (!cn.IsEmpty)", string.Empty))
                    {
                        w.Line($"c.CopyTo(cn.Slice({d * h}, {h}));");
                    }
                }
            }
        }
    }

    public static string RunGroupMethod(LayerPlan layer) => $"Layer{layer.Index}RunGroup";

    /// <summary>
    /// <c>LayerKRunGroup</c>: the layer over <see cref="CellEmitter.GroupSize"/> sequences in lockstep, so every step's
    /// products read each weight block once for the whole group. Iteration r advances every sequence by one step
    /// of its own (t = r forward, t = length - 1 - r reverse); a sequence past its length runs on zeros and its
    /// results are dropped, so each sequence's output equals the single-sequence Run's, bit for bit.
    /// </summary>
    public static void EmitRunGroup(SourceWriter w, ModelPlan plan, LayerPlan layer)
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
        int input = layer.InputWidth;
        bool tokens = plan.IsTokens && layer.Index == 0;

        w.Summary(
            $"Runs layer {layer.Index} over {g} sequences at once, sequence b over its first <c>lengths[b]</c> steps: <paramref name=\"input\"/> [{g}, {steps}{(tokens ? "] token ids" : $", {input}]")}",
            $"-> <paramref name=\"output\"/> [{g}, {steps}, {width}], from zero states. Iteration r moves every sequence one step (t = r forward,",
            "t = length - 1 - r reverse), so each step's products read W once for the group; a sequence past its length runs on zeros and",
            $"its results are dropped. Each sequence's output equals {layer.RunMethod}'s, bit for bit.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void {RunGroupMethod(layer)}({(tokens ? "global::System.ReadOnlySpan<int>" : ro)} input, {span} output, {span} work, global::System.ReadOnlySpan<int> lengths)");
        using (w.Block())
        {
            w.Line($"{ro} p = _parameters;");
            w.Line($"{ro} packed = _packed.Span;");
            if (layer.HasBias)
            {
                w.Line($"{ro} bias = _foldedBias;");
            }

            int offset = 0;
            w.Line($"{span} xs = work.Slice({offset}, {g * input});");
            offset += g * input;
            w.Line($"{span} hA = work.Slice({offset}, {g * s});");
            offset += g * s;
            w.Line($"{span} hB = work.Slice({offset}, {g * s});");
            offset += g * s;
            if (layer.IsLstm)
            {
                w.Line($"{span} c = work.Slice({offset}, {g * h});");
                offset += g * h;
            }

            w.Line($"int longest = {MaxOfLengths(0, g)};");
            w.Line($"{span} gates = work.Slice({offset}, longest * {g * gs});");
            foreach (DirectionPlan direction in layer.Directions)
            {
                int outputOffset = direction.Reverse ? s : 0;
                string time = direction.Reverse ? "lengths[b] - 1 - r" : "r";
                w.Line();
                w.Line(direction.Reverse
                    ? $"// reverse: iteration r runs step t = lengths[b] - 1 - r of sequence b, h(t) in output[b, t, {s}..{2 * s})"
                    : $"// forward: iteration r runs step t = r of every sequence, h(t) in output[b, t, 0..{s})");
                w.Line($"// the input products of every iteration first, {g} sequences per sweep over W_ih");
                using (w.Block("for (int r = 0; r < longest; r++)", string.Empty))
                {
                    using (w.Block($"for (int b = 0; b < {g}; b++)", string.Empty))
                    {
                        w.Line($"{span} x = xs.Slice(b * {input}, {input});");
                        using (w.Block("if (r >= lengths[b])", string.Empty))
                        {
                            w.Line("x.Clear();");
                            w.Line("continue;");
                        }

                        w.Line(tokens
                            ? $"p.Slice(EmbeddingWeight + (input[(b * {steps}) + {time}] * {input}), {input}).CopyTo(x);"
                            : $"input.Slice(((b * {steps}) + {time}) * {input}, {input}).CopyTo(x);");
                    }

                    w.Line($"{CellEmitter.ProjectGroupMethod(layer)}({CellEmitter.ProjectArguments(layer, direction, "xs", $"gates.Slice(r * {g * gs}, {g * gs})")});");
                }

                w.Line();
                w.Line("hA.Clear();");
                if (layer.IsLstm)
                {
                    w.Line("c.Clear();");
                }

                using (w.Block("for (int r = 0; r < longest; r++)", string.Empty))
                {
                    w.Line($"{CellEmitter.StepGroupMethod(layer)}({CellEmitter.StepArguments(layer, direction, "hA", "hB", "c", $"gates.Slice(r * {g * gs}, {g * gs})")});");
                    using (w.Block($"for (int b = 0; b < {g}; b++)", string.Empty))
                    {
                        using (w.Block("if (r < lengths[b])", string.Empty))
                        {
                            w.Line($"hB.Slice(b * {s}, {s}).CopyTo(output.Slice((((b * {steps}) + {time}) * {width}){(outputOffset == 0 ? string.Empty : $" + {outputOffset}")}, {s}));");
                        }
                    }

                    w.Line($"{span} swap = hA;");
                    w.Line("hA = hB;");
                    w.Line("hB = swap;");
                }
            }
        }
    }

    /// <summary>The largest of <c>lengths[first .. first + count)</c>, as nested <c>Math.Max</c> calls in pairs.</summary>
    internal static string MaxOfLengths(int first, int count) => count == 1
        ? $"lengths[{first}]"
        : $"global::System.Math.Max({MaxOfLengths(first, count / 2)}, {MaxOfLengths(first + (count / 2), count - (count / 2))})";

    public static string DirectionName(LayerPlan layer) => layer.Directions.Count == 2 ? "bidirectional" : "forward";
}
