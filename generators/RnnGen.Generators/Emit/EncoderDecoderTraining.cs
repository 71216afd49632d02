using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits the training API of an encoder-decoder model: teacher forcing (the decoder's step t reads the target of
/// step t-1), the loss over the decoder's steps, and backpropagation from the decoder through the bridge (or merge)
/// into the encoder, all into the one gradient array the optimizer steps.
/// </summary>
internal static class EncoderDecoderTraining
{
    public static void EmitApi(SourceWriter w, EncoderDecoderPlan plan)
    {
        string t = plan.T;
        TrainingSpec spec = plan.Spec.Training!;
        bool classes = spec.Loss == LossKind.CrossEntropy;
        string input = plan.EncoderTokens ? "global::System.ReadOnlySpan<int>" : $"global::System.ReadOnlySpan<{t}>";
        string target = classes ? "global::System.ReadOnlySpan<int>" : $"global::System.ReadOnlySpan<{t}>";
        w.Summary("dL/dθ summed over <see cref=\"AccumulateGradients\"/> calls since the last step, laid out like <see cref=\"Parameters\"/>.");
        w.Line($"public global::System.Span<{t}> Gradients => _gradients;");
        w.Line();
        w.Summary("The optimizer's learning rate; may change between steps.");
        w.Line($"public {t} LearningRate");
        using (w.Block())
        {
            w.Line($"get => ({t})_optimizer.LearningRate;");
            w.Line("set => _optimizer.LearningRate = value;");
        }

        w.Line();
        w.Summary("Sets every gradient to zero.");
        w.Line("public void ZeroGradients() => global::System.Array.Clear(_gradients);");
        w.Line();
        w.Summary(
            "Runs one pair forward with teacher forcing (decoder step 0 reads " + (plan.DecoderTokens ? "StartToken" : "zeros") + ", step t the target of step t-1), takes the loss",
            classes
                ? "against <paramref name=\"target\"/> (OutputLength class ids, -100 for a step that does not count: <c>CrossEntropyLoss</c> over the others),"
                : $"against <paramref name=\"target\"/> (OutputLength * OutputSize values: {(spec.Loss == LossKind.Mse ? "<c>MSELoss</c>" : "<c>BCEWithLogitsLoss</c> on the logits")}, mean over them),",
            $"adds dL/dθ of the decoder, {(plan.Decoder.Bridge ? "the bridge " : string.Empty)}and the encoder to <see cref=\"Gradients\"/> and returns the loss. Allocates nothing after the first call.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not have its length.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A token id or a class id is out of range.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public {t} AccumulateGradients({input} input, {target} target) => AccumulateGradients(input, target, SequenceLength);");
        w.Line();
        w.Summary("The same over an input of <paramref name=\"length\"/> steps (1..SequenceLength), as PyTorch runs a packed sequence.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public {t} AccumulateGradients({input} input, {target} target, int length)");
        using (w.Block())
        {
            EmitAccumulate(w, plan, classes);
        }

        w.Line();
        TrainingEmitter.EmitApplyGradients(w, t, spec);
        w.Line();
        w.Summary("<see cref=\"ZeroGradients\"/>, <see cref=\"AccumulateGradients\"/> and <see cref=\"ApplyGradients\"/>(1): one step on one pair; returns the loss before the step.");
        w.Line($"public {t} TrainStep({input} input, {target} target) => TrainStep(input, target, SequenceLength);");
        w.Line();
        w.Summary("One step on one pair whose input has <paramref name=\"length\"/> steps; returns the loss before the step.");
        w.Line($"public {t} TrainStep({input} input, {target} target, int length)");
        using (w.Block())
        {
            w.Line("ZeroGradients();");
            w.Line($"{t} loss = AccumulateGradients(input, target, length);");
            w.Line("ApplyGradients(1);");
            w.Line("return loss;");
        }

        w.Line();
        w.Summary("Writes the optimizer's state (step count, learning rate, moments) so training can resume with <see cref=\"LoadTrainingState\"/>.");
        w.Line("public void SaveTrainingState(global::System.IO.Stream stream) => _optimizer.Save(stream);");
        w.Line();
        w.Summary("Restores a state written by <see cref=\"SaveTrainingState\"/> of this model.");
        w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The state is not this model's; nothing changes.</exception>");
        w.Line("public void LoadTrainingState(global::System.IO.Stream stream) => _optimizer.Load(stream);");
        if (spec.Dropout > 0)
        {
            w.Line();
            w.Summary(
                $"Restarts the generators of the dropout masks (dropout {Literals.Plain(spec.Dropout)} between the layers of each stack) from <paramref name=\"seed\"/>;",
                "the same seed gives the same masks.");
            w.Line("public void SeedDropout(int seed)");
            using (w.Block())
            {
                w.Line("_encoder.SeedDropout(seed);");
                w.Line("_decoder.SeedDropout(unchecked(seed + 1));");
            }
        }
    }

    private static void EmitAccumulate(SourceWriter w, EncoderDecoderPlan plan, bool classes)
    {
        string t = plan.T;
        string span = $"global::System.Span<{t}>";
        ModelSpec spec = plan.Spec;
        int steps = spec.Sequence;
        int outputs = plan.OutputLength;
        ForwardEmitter.EmitLengthCheck(w, "input", plan.EncoderTokens ? "SequenceLength" : "SequenceLength * InputSize", plan.EncoderTokens ? steps : steps * spec.Input.Width);
        ForwardEmitter.EmitLengthCheck(w, "target", classes ? "OutputLength" : "OutputLength * OutputSize", classes ? outputs : outputs * plan.OutputSize);
        using (w.Block($"if ((uint)(length - 1) >= {steps})", string.Empty))
        {
            w.Line($"throw new global::System.ArgumentOutOfRangeException(nameof(length), length, \"The length of a sequence is 1 to SequenceLength = {steps}.\");");
        }

        if (plan.EncoderTokens)
        {
            using (w.Block("for (int step = 0; step < length; step++)", string.Empty))
            {
                ForwardEmitter.EmitTokenCheck(w, "input[step]", "\"input[\" + step + \"]\"");
            }
        }

        if (classes)
        {
            // Every class id before anything runs: a target is also the next step's input.
            using (w.Block("for (int step = 0; step < OutputLength; step++)", string.Empty))
            {
                using (w.Block("if (target[step] != -100 && (uint)target[step] >= OutputSize)", string.Empty))
                {
                    w.Line("throw new global::System.ArgumentOutOfRangeException(\"target[\" + step + \"]\", target[step], \"A class id must be in [0, OutputSize), or -100 for a step that does not count.\");");
                }
            }
        }

        w.Line();
        w.Line("TrainingBuffers b = _training ??= new TrainingBuffers();");
        w.Line($"{span} hn = new global::System.Span<{t}>(b.States, 0, EncoderHiddenSize);");
        w.Line($"{span} cn = new global::System.Span<{t}>(b.States, EncoderHiddenSize, EncoderCellSize);");
        w.Line($"{span} h0 = new global::System.Span<{t}>(b.States, EncoderHiddenSize + EncoderCellSize, DecoderHiddenSize);");
        w.Line($"{span} c0 = new global::System.Span<{t}>(b.States, EncoderHiddenSize + EncoderCellSize + DecoderHiddenSize, DecoderCellSize);");
        w.Line($"{span} dh0 = new global::System.Span<{t}>(b.Gradients, 0, DecoderHiddenSize);");
        w.Line($"{span} dc0 = new global::System.Span<{t}>(b.Gradients, DecoderHiddenSize, DecoderCellSize);");
        w.Line($"{span} dhn = new global::System.Span<{t}>(b.Gradients, DecoderHiddenSize + DecoderCellSize, EncoderHiddenSize);");
        w.Line($"{span} dcn = new global::System.Span<{t}>(b.Gradients, DecoderHiddenSize + DecoderCellSize + EncoderHiddenSize, EncoderCellSize);");
        w.Line();
        w.Line("// the encoder, keeping its activations; its final states start the decoder");
        w.Line("_encoder.TrainForward(input, length, hn, cn);");
        w.Line("StartStates(hn, cn, h0, c0);");
        w.Line();
        if (plan.DecoderTokens)
        {
            int? stop = spec.Output.StopToken;
            w.Line($"// teacher forcing: step 0 reads StartToken, step t the target of step t-1 (a skipped step's -100 reads {(stop is null ? "StartToken" : "StopToken")})");
            w.Line("global::System.Span<int> read = b.DecoderInput;");
            w.Line("read[0] = StartToken;");
            using (w.Block("for (int step = 1; step < OutputLength; step++)", string.Empty))
            {
                w.Line($"read[step] = target[step - 1] == -100 ? {(stop is null ? "StartToken" : "StopToken")} : target[step - 1];");
            }
        }
        else
        {
            w.Line("// teacher forcing: step 0 reads zeros, step t the target of step t-1");
            w.Line($"{span} read = b.DecoderInput;");
            w.Line("read.Slice(0, DecoderInputSize).Clear();");
            w.Line("target.Slice(0, (OutputLength - 1) * DecoderInputSize).CopyTo(read.Slice(DecoderInputSize));");
        }

        w.Line();
        w.Line("// the decoder's loss and gradients, and the gradient of its initial states");
        w.Line($"{t} loss = _decoder.AccumulateGradients(read, target, OutputLength, h0, c0, dh0, dc0);");
        w.Line();
        w.Line("// back through the " + (plan.Decoder.Bridge ? "bridge" : "merge") + " into the encoder");
        w.Line("StartStatesBackward(hn, h0, c0, dh0, dc0, dhn, dcn);");
        w.Line("_encoder.TrainBackward(input, length, dhn, dcn);");
        w.Line("return loss;");
    }

    public static void EmitBuffers(SourceWriter w, EncoderDecoderPlan plan)
    {
        string t = plan.T;
        int states = plan.EncoderHidden + plan.EncoderCell + plan.DecoderHidden + plan.DecoderCell;
        w.Summary("What training keeps between the passes of its two stacks; made on the first AccumulateGradients call.");
        w.Line(EmitHelpers.GeneratedCode(ModelEmitter.Version));
        w.Line("private sealed class TrainingBuffers");
        using (w.Block())
        {
            w.Line($"public readonly {t}[] States = new {t}[{states}]; // hn, cn of the encoder; h0, c0 of the decoder");
            w.Line($"public readonly {t}[] Gradients = new {t}[{states}]; // dh0, dc0; dhn, dcn");
            w.Line(plan.DecoderTokens
                ? $"public readonly int[] DecoderInput = new int[{plan.OutputLength}]; // the token each decoder step reads"
                : $"public readonly {t}[] DecoderInput = new {t}[{plan.OutputLength * plan.Decoder.Input.Features}]; // the vector each decoder step reads");
        }
    }
}
