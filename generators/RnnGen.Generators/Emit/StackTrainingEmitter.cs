using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits the training entry points of an encoder-decoder model's stacks, which its model calls in turn: the encoder's
/// forward pass that reports every layer's final states and its backward pass that starts from their gradients, and
/// the decoder's teacher-forced pass from given initial states that returns their gradients.
/// </summary>
internal static class StackTrainingEmitter
{
    public static void EmitApi(SourceWriter w, ModelPlan plan, TrainingPlan training)
    {
        if (plan.Spec.Role == ModelRole.Encoder)
        {
            EmitTrainForward(w, plan, training);
            w.Line();
            EmitTrainBackward(w, plan, training);
        }
        else
        {
            w.Summary(
                "The loss of one teacher-forced output sequence run from the initial states <paramref name=\"h0\"/>, <paramref name=\"c0\"/>: adds dL/dθ of",
                "this stack's tensors to the model's gradients and writes dL/dh0, dL/dc0 to <paramref name=\"dh0\"/>, <paramref name=\"dc0\"/>.");
            w.Line(EmitHelpers.AggressiveOptimization);
            string target = training.Training.Loss == LossKind.CrossEntropy ? "global::System.ReadOnlySpan<int>" : $"global::System.ReadOnlySpan<{plan.T}>";
            w.Line($"public {plan.T} AccumulateGradients({ForwardEmitter.InputType(plan)} input, {target} target, int length, global::System.ReadOnlySpan<{plan.T}> h0, global::System.ReadOnlySpan<{plan.T}> c0, global::System.Span<{plan.T}> dh0, global::System.Span<{plan.T}> dc0)");
            using (w.Block())
            {
                TrainingEmitter.EmitAccumulate(w, plan, training);
            }
        }

        if (training.HasDropout)
        {
            w.Line();
            w.Summary("Restarts the generator of this stack's dropout masks from <paramref name=\"seed\"/>.");
            w.Line("public void SeedDropout(int seed) => _dropoutRandom = new global::RnnGen.InitRandom(seed);");
        }
    }

    private static void EmitTrainForward(SourceWriter w, ModelPlan plan, TrainingPlan training)
    {
        string t = plan.T;
        int steps = plan.Spec.Sequence;
        w.Summary(
            "Runs the encoder over the first <paramref name=\"length\"/> steps from zero states, keeping what <see cref=\"TrainBackward\"/> needs, and writes",
            $"every layer's final states (PyTorch's h_n and c_n, layer after layer) to <paramref name=\"hn\"/> [{plan.HiddenStateSize}] and <paramref name=\"cn\"/> [{plan.CellStateSize}].");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public void TrainForward({ForwardEmitter.InputType(plan)} input, int length, global::System.Span<{t}> hn, global::System.Span<{t}> cn)");
        using (w.Block())
        {
            w.Line("TrainingBuffers b = _training ??= new TrainingBuffers();");
            TrainingEmitter.EmitForwardLayers(w, plan, training, run: true);
            foreach (LayerPlan layer in plan.Layers)
            {
                int s = layer.StateWidth;
                int h = layer.Hidden;
                int hiddenOffset = plan.HiddenStateOffset(layer);
                int cellOffset = plan.CellStateOffset(layer);
                w.Line();
                w.Line($"// layer {layer.Index}'s final states: a forward direction's at step length-1, a reverse one's at step 0");
                foreach (DirectionPlan direction in layer.Directions)
                {
                    int d = direction.Index;
                    string step = direction.Reverse ? "0" : "length - 1";
                    string rowStart = direction.Reverse ? $"{s}" : $"((length - 1) * {layer.Width})";
                    w.Line($"sequence{layer.Index}.Slice({rowStart}, {s}).CopyTo(hn.Slice({hiddenOffset + (d * s)}, {s}));");
                    if (layer.IsLstm)
                    {
                        w.Line($"cells{layer.Index}.Slice(({d * steps} + {step}) * {h}, {h}).CopyTo(cn.Slice({cellOffset + (d * h)}, {h}));");
                    }
                }
            }
        }
    }

    private static void EmitTrainBackward(SourceWriter w, ModelPlan plan, TrainingPlan training)
    {
        string t = plan.T;
        string span = $"global::System.Span<{t}>";
        int steps = plan.Spec.Sequence;
        LayerPlan last = plan.LastLayer;
        w.Summary(
            "Backpropagates the last <see cref=\"TrainForward\"/> from <paramref name=\"dhn\"/> = dL/dh_n and <paramref name=\"dcn\"/> = dL/dc_n (the layouts of its",
            "hn and cn; nothing else of the encoder reaches the loss) through every layer, adding dL/dθ of the encoder's tensors to the model's gradients.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public void TrainBackward({ForwardEmitter.InputType(plan)} input, int length, global::System.ReadOnlySpan<{t}> dhn, global::System.ReadOnlySpan<{t}> dcn)");
        using (w.Block())
        {
            w.Line("TrainingBuffers b = _training!;");
            if (plan.IsTokens)
            {
                w.Line($"{span} g = _gradients;");
            }

            TrainingEmitter.EmitForwardLayers(w, plan, training, run: false);
            w.Line();
            w.Line($"{span} dTop = new global::System.Span<{t}>(b.GradientA, 0, {steps * last.Width});");
            w.Line("dTop.Clear();");
            TrainingEmitter.EmitBackwardLayers(w, plan, training, "dTop", (layer, dOutput) => EmitFinalStateGradient(w, plan, layer, dOutput));
        }
    }

    /// <summary>Adds dL/dh_n of one layer to the gradient of its output at the steps that hold its final states.</summary>
    private static void EmitFinalStateGradient(SourceWriter w, ModelPlan plan, LayerPlan layer, string dOutput)
    {
        int s = layer.StateWidth;
        int offset = plan.HiddenStateOffset(layer);
        w.Line($"// dL/dh_n of layer {layer.Index}: its forward direction's final state is its output at step length-1" + (layer.Directions.Count == 2 ? ", the reverse one's at step 0" : string.Empty));
        using (w.Block($"for (int j = 0; j < {s}; j++)", string.Empty))
        {
            w.Line($"{dOutput}[((length - 1) * {layer.Width}) + j] += dhn[{offset} + j];");
            if (layer.Directions.Count == 2)
            {
                w.Line($"{dOutput}[{s} + j] += dhn[{offset + s} + j];");
            }
        }
    }
}
