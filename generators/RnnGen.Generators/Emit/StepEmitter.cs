using System.Linq;
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
            parts.Add(layer.IsLstm
                ? $"layer {layer.Index} h [{layer.StateWidth}] then c [{layer.Hidden}]"
                : $"layer {layer.Index} h [{layer.StateWidth}]");
        }

        return string.Join(", ", parts);
    }

    /// <summary>Emits GetState and SetState: a Step state to and from the h and c layout of Predict's states.</summary>
    public static void EmitStateConversion(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        w.Summary(
            "Copies <paramref name=\"state\"/> out as <paramref name=\"h\"/> [HiddenStateSize] and <paramref name=\"c\"/> [CellStateSize], the layout of",
            "Predict's hn and cn, so a stream can move between Step and Predict.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not have its length.</exception>");
        w.Line($"public void GetState(in State state, global::System.Span<{t}> h, global::System.Span<{t}> c)");
        using (w.Block())
        {
            ForwardEmitter.EmitLengthCheck(w, "h", "HiddenStateSize", plan.HiddenStateSize);
            ForwardEmitter.EmitLengthCheck(w, "c", "CellStateSize", plan.CellStateSize);
            w.Line($"global::System.ReadOnlySpan<{t}> values = state.Values;");
            EmitCopies(w, plan, toState: false);
        }

        w.Line();
        w.Summary(
            "Sets <paramref name=\"state\"/> from <paramref name=\"h\"/> [HiddenStateSize] and <paramref name=\"c\"/> [CellStateSize], the layout of",
            "Predict's h0 and c0 (and of its hn and cn, to carry a stream on with Step).");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not have its length.</exception>");
        w.Line($"public void SetState(ref State state, global::System.ReadOnlySpan<{t}> h, global::System.ReadOnlySpan<{t}> c)");
        using (w.Block())
        {
            ForwardEmitter.EmitLengthCheck(w, "h", "HiddenStateSize", plan.HiddenStateSize);
            ForwardEmitter.EmitLengthCheck(w, "c", "CellStateSize", plan.CellStateSize);
            w.Line($"global::System.Span<{t}> values = state.Values;");
            EmitCopies(w, plan, toState: true);
        }
    }

    private static void EmitCopies(SourceWriter w, ModelPlan plan, bool toState)
    {
        int offset = 0;
        foreach (LayerPlan layer in plan.Layers)
        {
            string h = $"h.Slice({plan.HiddenStateOffset(layer)}, {layer.StateWidth})";
            string stateH = $"values.Slice({offset}, {layer.StateWidth})";
            w.Line(toState ? $"{h}.CopyTo({stateH});" : $"{stateH}.CopyTo({h});");
            if (layer.IsLstm)
            {
                string c = $"c.Slice({plan.CellStateOffset(layer)}, {layer.Hidden})";
                string stateC = $"values.Slice({offset + layer.StateWidth}, {layer.Hidden})";
                w.Line(toState ? $"{c}.CopyTo({stateC});" : $"{stateC}.CopyTo({c});");
            }

            offset += layer.StateValues;
        }
    }

    public static void EmitStep(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        string ro = $"global::System.ReadOnlySpan<{t}>";
        string span = $"global::System.Span<{t}>";
        bool hasHead = plan.Spec.Output.Head != HeadKind.None;

        w.Summary(
            plan.IsTokens
                ? $"Advances <paramref name=\"state\"/> by one time step: <paramref name=\"token\"/> in [0, VocabSize = {plan.Spec.Input.Vocab}) -> <paramref name=\"y\"/> [OutputSize = {plan.OutputSize}]."
                : $"Advances <paramref name=\"state\"/> by one time step: <paramref name=\"x\"/> [InputSize = {plan.Spec.Input.Width}] -> <paramref name=\"y\"/> [OutputSize = {plan.OutputSize}].",
            plan.Spec.Output.Mode == OutputMode.ManyToOne
                ? "y is the prediction as if the sequence ended at this step, so the last of T steps from the zero state equals <see cref=\"Predict\"/>."
                : "y is the output at this step, so T steps from the zero state reproduce <see cref=\"Predict\"/>.",
            "Allocates nothing after a thread's first call; one instance may step several states on several threads.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not have the length above.</exception>");
        if (plan.IsTokens)
        {
            w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The token id is outside [0, VocabSize).</exception>");
        }

        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line(plan.IsTokens
            ? $"public void Step(ref State state, int token, {span} y)"
            : $"public void Step(ref State state, {ro} x, {span} y)");
        using (w.Block())
        {
            if (plan.IsTokens)
            {
                ForwardEmitter.EmitTokenCheck(w, "token", "nameof(token)");
            }
            else
            {
                ForwardEmitter.EmitLengthCheck(w, "x", "InputSize", plan.Spec.Input.Width);
            }

            ForwardEmitter.EmitLengthCheck(w, "y", "OutputSize", plan.OutputSize);
            w.Line();
            w.Line(plan.StepScratchOnStack
                ? $"{span} gates = stackalloc {t}[StepScratchLength];"
                : $"{span} gates = ThreadScratch().Slice(0, StepScratchLength);");
            w.Line($"{span} values = state.Values;");
            w.Line($"{ro} p = _parameters;");
            w.Line($"{ro} packed = _packed.Span;");
            if (plan.Layers.Any(l => l.HasBias))
            {
                w.Line($"{ro} bias = _foldedBias;");
            }

            int offset = 0;
            string input = plan.IsTokens ? $"p.Slice(EmbeddingWeight + (token * InputSize), InputSize)" : "x";
            foreach (LayerPlan layer in plan.Layers)
            {
                int h = layer.StateWidth;
                string name = $"h{layer.Index}";
                w.Line();
                w.Line($"// layer {layer.Index} ({CellEmitter.CellName(layer.Spec.Cell)} {layer.Hidden}): {name} = values[{offset}..{offset + h})"
                    + (layer.IsLstm ? $", c{layer.Index} = values[{offset + h}..{offset + h + layer.Hidden})" : string.Empty) + ", updated in place");
                w.Line($"{span} {name} = values.Slice({offset}, {h});");
                if (layer.IsLstm)
                {
                    w.Line($"{span} c{layer.Index} = values.Slice({offset + h}, {layer.Hidden});");
                }

                string gates = $"gates.Slice(0, {layer.GateScratch})";
                w.Line($"{CellEmitter.ProjectMethod(layer)}({CellEmitter.ProjectArguments(layer, layer.Directions[0], input, gates)});");
                w.Line($"{layer.StepMethod}({CellEmitter.StepArguments(layer, layer.Directions[0], name, name, $"c{layer.Index}", gates)});");
                input = name;
                offset += layer.StateValues;
            }

            w.Line();
            w.Line(hasHead ? $"Head({input}, y);" : $"{input}.CopyTo(y);");
        }
    }
}
