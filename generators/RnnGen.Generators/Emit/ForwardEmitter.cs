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
        LayerPlan last = plan.LastLayer;

        w.Summary(
            $"Runs the model over one sequence: <paramref name=\"input\"/> is [SequenceLength = {steps}, InputSize = {spec.Input.Width}] row-major,",
            $"<paramref name=\"output\"/> receives [OutputLength = {plan.OutputLength}, OutputSize = {plan.OutputSize}].",
            spec.Output.Mode == OutputMode.ManyToOne
                ? "Many-to-one: the head reads the last layer's final states, <code>[h_fwd(T-1), h_bwd(0)]</code> (PyTorch <c>h_n</c>)."
                : "Many-to-many: the head reads the last layer's output at every step.",
            "Allocates nothing after a thread's first call; safe to call from several threads at once.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not have the length above.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public void Predict({ro} input, {span} output)");
        using (w.Block())
        {
            EmitLengthCheck(w, "input", "SequenceLength * InputSize", steps * spec.Input.Width);
            EmitLengthCheck(w, "output", "OutputLength * OutputSize", plan.OutputLength * plan.OutputSize);
            w.Line();
            w.Line(plan.PredictScratchOnStack
                ? $"{span} scratch = stackalloc {t}[PredictScratchLength];"
                : $"{span} scratch = ThreadScratch().Slice(0, PredictScratchLength);");
            w.Line($"{span} sequenceA = scratch.Slice(0, {plan.SequenceBufferLength});");
            w.Line($"{span} sequenceB = scratch.Slice({plan.SequenceBufferLength}, {plan.SequenceBufferLength});");
            int workLength = (2 * plan.MaxHidden) + plan.MaxGateScratch;
            w.Line($"{span} work = scratch.Slice({2 * plan.SequenceBufferLength}, {workLength});");
            if (spec.Output.Mode == OutputMode.ManyToOne)
            {
                w.Line($"{span} features = scratch.Slice({(2 * plan.SequenceBufferLength) + workLength}, {plan.FeatureWidth});");
            }

            w.Line();
            string source = "input";
            foreach (LayerPlan layer in plan.Layers)
            {
                string target = layer.Index % 2 == 0 ? "sequenceA" : "sequenceB";
                int length = steps * layer.Width;
                w.Line($"// layer {layer.Index} ({CellEmitter.CellName(layer.Spec.Cell)} {layer.Hidden}, {DirectionName(layer)}): [{steps}, {layer.InputWidth}] -> [{steps}, {layer.Width}]");
                w.Line($"{layer.RunMethod}({source}, {target}.Slice(0, {length}), work);");
                source = $"{target}.Slice(0, {length})";
            }

            w.Line();
            w.Line($"{span} top = {source};");
            EmitHeadCall(w, plan, last, "top");
        }
    }

    private static void EmitHeadCall(SourceWriter w, ModelPlan plan, LayerPlan last, string source)
    {
        int steps = plan.Spec.Sequence;
        int width = last.Width;
        int h = last.Hidden;
        bool hasHead = plan.Spec.Output.Head != HeadKind.None;
        if (plan.Spec.Output.Mode == OutputMode.ManyToOne)
        {
            w.Line(last.Directions.Count == 2
                ? "// features = [h_fwd(T-1), h_bwd(0)]: the forward direction ends at the last step, the reverse one at the first"
                : "// features = h(T-1), the last layer's final state");
            w.Line($"{source}.Slice({(steps - 1) * width}, {h}).CopyTo(features);");
            if (last.Directions.Count == 2)
            {
                w.Line($"{source}.Slice({h}, {h}).CopyTo(features.Slice({h}));");
            }

            w.Line(hasHead ? "Head(features, output);" : "features.CopyTo(output);");
            return;
        }

        if (!hasHead)
        {
            w.Line("// head: none, the output is the last layer's output sequence");
            w.Line($"{source}.CopyTo(output);");
            return;
        }

        w.Line("// the head at every step");
        using (w.Block($"for (int step = 0; step < {steps}; step++)", string.Empty))
        {
            w.Line($"Head({source}.Slice(step * {width}, {width}), output.Slice(step * OutputSize, OutputSize));");
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
        int h = layer.Hidden;
        int width = layer.Width;
        int input = layer.InputWidth;
        bool lstm = layer.Spec.Cell == CellKind.Lstm;

        w.Summary(
            $"Runs layer {layer.Index} over the sequence: <paramref name=\"input\"/> [{steps}, {input}] -> <paramref name=\"output\"/> [{steps}, {width}].",
            layer.Directions.Count == 2
                ? $"The forward direction reads t = 0..{steps - 1} into output[t, 0..{h}); the reverse one reads t = {steps - 1}..0 into output[t, {h}..{2 * h})."
                : $"Reads t = 0..{steps - 1}; h(-1) = 0" + (lstm ? " and c(-1) = 0." : "."));
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void {layer.RunMethod}({ro} input, {span} output, {span} work)");
        using (w.Block())
        {
            w.Line($"{ro} p = _parameters;");
            w.Line($"{ro} bias = _foldedBias;");
            w.Line($"{span} zero = work.Slice(0, {h});");
            if (lstm)
            {
                w.Line($"{span} c = work.Slice({plan.MaxHidden}, {h});");
            }

            w.Line($"{span} gates = work.Slice({2 * plan.MaxHidden}, {layer.GateScratch});");
            w.Line("zero.Clear();");
            foreach (DirectionPlan direction in layer.Directions)
            {
                w.Line();
                string cellArgument = lstm ? ", c" : string.Empty;
                string weights = $"p.Slice({direction.WeightIh.OffsetName}, {direction.WeightIh.Length}), p.Slice({direction.WeightHh.OffsetName}, {direction.WeightHh.Length}), bias.Slice({direction.FoldedBiasName}, {layer.FoldedBiasLength})";
                if (lstm)
                {
                    w.Line("c.Clear();");
                }

                if (!direction.Reverse)
                {
                    w.Line($"// forward: t = 0..{steps - 1}, h(t) in output[t, 0..{h})");
                    using (w.Block($"for (int step = 0; step < {steps}; step++)", string.Empty))
                    {
                        w.Line($"{ro} hPrev = step == 0 ? zero : output.Slice((step - 1) * {width}, {h});");
                        w.Line($"{layer.StepMethod}({weights}, input.Slice(step * {input}, {input}), hPrev, output.Slice(step * {width}, {h}){cellArgument}, gates);");
                    }
                }
                else
                {
                    w.Line($"// reverse: t = {steps - 1}..0, h(t) in output[t, {h}..{2 * h})");
                    using (w.Block($"for (int step = {steps - 1}; step >= 0; step--)", string.Empty))
                    {
                        w.Line($"{ro} hPrev = step == {steps - 1} ? zero : output.Slice(((step + 1) * {width}) + {h}, {h});");
                        w.Line($"{layer.StepMethod}({weights}, input.Slice(step * {input}, {input}), hPrev, output.Slice((step * {width}) + {h}, {h}){cellArgument}, gates);");
                    }
                }
            }
        }
    }

    public static string DirectionName(LayerPlan layer) => layer.Directions.Count == 2 ? "bidirectional" : "forward";
}
