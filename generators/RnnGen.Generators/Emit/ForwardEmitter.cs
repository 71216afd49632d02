using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>Emits <c>Predict</c> and the per-layer methods that run a whole sequence.</summary>
internal static class ForwardEmitter
{
    public static void EmitPredict(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        string span = $"global::System.Span<{t}>";
        ModelSpec spec = plan.Spec;
        int steps = spec.Sequence;

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
        w.Line($"public void Predict({InputType(plan)} input, {span} output)");
        using (w.Block())
        {
            EmitLengthCheck(w, "input", plan.IsTokens ? "SequenceLength" : "SequenceLength * InputSize", plan.IsTokens ? steps : steps * spec.Input.Width);
            EmitLengthCheck(w, "output", "OutputLength * OutputSize", plan.OutputLength * plan.OutputSize);
            if (plan.IsTokens)
            {
                using (w.Block($"for (int step = 0; step < {steps}; step++)", string.Empty))
                {
                    EmitTokenCheck(w, "input[step]", "\"input[\" + step + \"]\"");
                }
            }

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
                w.Line($"{layer.RunMethod}({source}, {target}.Slice(0, {length}), work);");
                source = $"{target}.Slice(0, {length})";
            }

            w.Line();
            w.Line($"{span} top = {source};");
            EmitHeadCall(w, plan, plan.LastLayer);
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

    private static void EmitHeadCall(SourceWriter w, ModelPlan plan, LayerPlan last)
    {
        int steps = plan.Spec.Sequence;
        int width = last.Width;
        int h = last.StateWidth;
        bool hasHead = plan.Spec.Output.Head != HeadKind.None;
        if (plan.Spec.Output.Mode == OutputMode.ManyToOne)
        {
            w.Line(last.Directions.Count == 2
                ? "// features = [h_fwd(T-1), h_bwd(0)]: the forward direction ends at the last step, the reverse one at the first"
                : "// features = h(T-1), the last layer's final state");
            w.Line($"top.Slice({(steps - 1) * width}, {h}).CopyTo(features);");
            if (last.Directions.Count == 2)
            {
                w.Line($"top.Slice({h}, {h}).CopyTo(features.Slice({h}));");
            }

            w.Line(hasHead ? "Head(features, output);" : "features.CopyTo(output);");
            return;
        }

        if (!hasHead)
        {
            w.Line("// head: none, the output is the last layer's output sequence");
            w.Line("top.CopyTo(output);");
            return;
        }

        w.Line("// the head at every step");
        using (w.Block($"for (int step = 0; step < {steps}; step++)", string.Empty))
        {
            w.Line($"Head(top.Slice(step * {width}, {width}), output.Slice(step * OutputSize, OutputSize));");
        }
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
        int h = layer.StateWidth;
        int width = layer.Width;
        int input = layer.InputWidth;
        bool tokens = plan.IsTokens && layer.Index == 0;

        w.Summary(
            tokens
                ? $"Runs layer {layer.Index} over the sequence: <paramref name=\"input\"/> [{steps}] token ids, each looked up in embedding.weight -> <paramref name=\"output\"/> [{steps}, {width}]."
                : $"Runs layer {layer.Index} over the sequence: <paramref name=\"input\"/> [{steps}, {input}] -> <paramref name=\"output\"/> [{steps}, {width}].",
            layer.Directions.Count == 2
                ? $"The forward direction reads t = 0..{steps - 1} into output[t, 0..{h}); the reverse one reads t = {steps - 1}..0 into output[t, {h}..{2 * h})."
                : $"Reads t = 0..{steps - 1}; h(-1) = 0" + (layer.IsLstm ? " and c(-1) = 0." : "."));
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void {layer.RunMethod}({(tokens ? "global::System.ReadOnlySpan<int>" : ro)} input, {span} output, {span} work)");
        using (w.Block())
        {
            w.Line($"{ro} p = _parameters;");
            if (layer.HasBias)
            {
                w.Line($"{ro} bias = _foldedBias;");
            }

            w.Line($"{span} zero = work.Slice(0, {h});");
            if (layer.IsLstm)
            {
                w.Line($"{span} c = work.Slice({plan.MaxHidden}, {layer.Hidden});");
            }

            w.Line($"{span} gates = work.Slice({2 * plan.MaxHidden}, {layer.GateScratch});");
            w.Line("zero.Clear();");
            string x = tokens
                ? $"p.Slice(EmbeddingWeight + (input[step] * {input}), {input})"
                : $"input.Slice(step * {input}, {input})";
            foreach (DirectionPlan direction in layer.Directions)
            {
                w.Line();
                if (layer.IsLstm)
                {
                    w.Line("c.Clear();");
                }

                if (!direction.Reverse)
                {
                    w.Line($"// forward: t = 0..{steps - 1}, h(t) in output[t, 0..{h})");
                    using (w.Block($"for (int step = 0; step < {steps}; step++)", string.Empty))
                    {
                        w.Line($"{ro} hPrev = step == 0 ? zero : output.Slice((step - 1) * {width}, {h});");
                        w.Line($"{layer.StepMethod}({CellEmitter.StepArguments(layer, direction, x, "hPrev", $"output.Slice(step * {width}, {h})", "c", "gates")});");
                    }
                }
                else
                {
                    w.Line($"// reverse: t = {steps - 1}..0, h(t) in output[t, {h}..{2 * h})");
                    using (w.Block($"for (int step = {steps - 1}; step >= 0; step--)", string.Empty))
                    {
                        w.Line($"{ro} hPrev = step == {steps - 1} ? zero : output.Slice(((step + 1) * {width}) + {h}, {h});");
                        w.Line($"{layer.StepMethod}({CellEmitter.StepArguments(layer, direction, x, "hPrev", $"output.Slice((step * {width}) + {h}, {h})", "c", "gates")});");
                    }
                }
            }
        }
    }

    public static string DirectionName(LayerPlan layer) => layer.Directions.Count == 2 ? "bidirectional" : "forward";
}
