using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>Emits <c>State</c> and <c>Step</c>, the streaming API of unidirectional models.</summary>
internal static class StepEmitter
{
    public static void EmitState(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        w.Summary(
            "The recurrent state carried between <see cref=\"Step\"/> calls: " + StateLayoutText(plan) + ".",
            "Fixed size, no heap; <c>default(State)</c> is the zero state, where every sequence starts.");
        w.Line(EmitHelpers.GeneratedCode(ModelEmitter.Version));
        w.Line("public struct State");
        using (w.Block())
        {
            w.Line("internal StateValues Values;");
        }

        w.Line();
        w.Summary($"The {plan.StateLength} values of a <see cref=\"State\"/>, inline.");
        w.Line(EmitHelpers.GeneratedCode(ModelEmitter.Version));
        w.Line($"[global::System.Runtime.CompilerServices.InlineArray({plan.StateLength})]");
        w.Line("internal struct StateValues");
        using (w.Block())
        {
            w.Line($"private {t} _element0;");
        }
    }

    private static string StateLayoutText(ModelPlan plan)
    {
        var parts = new System.Collections.Generic.List<string>();
        foreach (LayerPlan layer in plan.Layers)
        {
            parts.Add(layer.Spec.Cell == CellKind.Lstm
                ? $"layer {layer.Index} h [{layer.Hidden}] then c [{layer.Hidden}]"
                : $"layer {layer.Index} h [{layer.Hidden}]");
        }

        return string.Join(", ", parts);
    }

    public static void EmitStep(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        string ro = $"global::System.ReadOnlySpan<{t}>";
        string span = $"global::System.Span<{t}>";
        bool hasHead = plan.Spec.Output.Head != HeadKind.None;

        w.Summary(
            $"Advances <paramref name=\"state\"/> by one time step: <paramref name=\"x\"/> [InputSize = {plan.Spec.Input.Width}] -> <paramref name=\"y\"/> [OutputSize = {plan.OutputSize}].",
            plan.Spec.Output.Mode == OutputMode.ManyToOne
                ? "y is the prediction as if the sequence ended at this step, so the last of T steps from the zero state equals <see cref=\"Predict\"/>."
                : "y is the output at this step, so T steps from the zero state reproduce <see cref=\"Predict\"/>.",
            "Allocates nothing after a thread's first call; one instance may step several states on several threads.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not have the length above.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public void Step(ref State state, {ro} x, {span} y)");
        using (w.Block())
        {
            ForwardEmitter.EmitLengthCheck(w, "x", "InputSize", plan.Spec.Input.Width);
            ForwardEmitter.EmitLengthCheck(w, "y", "OutputSize", plan.OutputSize);
            w.Line();
            w.Line(plan.StepScratchOnStack
                ? $"{span} gates = stackalloc {t}[StepScratchLength];"
                : $"{span} gates = ThreadScratch().Slice(0, StepScratchLength);");
            w.Line($"{span} values = state.Values;");
            w.Line($"{ro} p = _parameters;");
            w.Line($"{ro} bias = _foldedBias;");

            int offset = 0;
            string input = "x";
            foreach (LayerPlan layer in plan.Layers)
            {
                DirectionPlan direction = layer.Directions[0];
                bool lstm = layer.Spec.Cell == CellKind.Lstm;
                int h = layer.Hidden;
                w.Line();
                w.Line($"// layer {layer.Index} ({CellEmitter.CellName(layer.Spec.Cell)} {h}): h{layer.Index} = values[{offset}..{offset + h})" + (lstm ? $", c{layer.Index} = values[{offset + h}..{offset + (2 * h)})" : string.Empty) + ", updated in place");
                w.Line($"{span} h{layer.Index} = values.Slice({offset}, {h});");
                string cellArgument = string.Empty;
                if (lstm)
                {
                    w.Line($"{span} c{layer.Index} = values.Slice({offset + h}, {h});");
                    cellArgument = $", c{layer.Index}";
                }

                w.Line($"{layer.StepMethod}(p.Slice({direction.WeightIh.OffsetName}, {direction.WeightIh.Length}), p.Slice({direction.WeightHh.OffsetName}, {direction.WeightHh.Length}), bias.Slice({direction.FoldedBiasName}, {layer.FoldedBiasLength}), {input}, h{layer.Index}, h{layer.Index}{cellArgument}, gates.Slice(0, {layer.GateScratch}));");
                input = $"h{layer.Index}";
                offset += lstm ? 2 * h : h;
            }

            w.Line();
            w.Line(hasHead ? $"Head({input}, y);" : $"{input}.CopyTo(y);");
        }
    }
}
