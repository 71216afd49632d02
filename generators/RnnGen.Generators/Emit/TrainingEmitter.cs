using System.Linq;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits the training API of DESIGN.md for a spec with a <c>training</c> section: gradients,
/// losses, the optimizer and the forward pass that keeps what backpropagation needs.
/// </summary>
internal static class TrainingEmitter
{
    public static void EmitMembers(SourceWriter w, ModelPlan plan, TrainingPlan training)
    {
        string t = plan.T;
        TrainingSpec spec = training.Training;
        if (plan.IsStack)
        {
            w.Line("// Training: the model's gradient array, laid out like its parameters (the model owns the optimizer).");
            w.Line($"private readonly {t}[] _gradients;");
        }
        else
        {
            w.Line("// Training (spec key training): gradients laid out like Parameters, the optimizer and its state.");
            w.Line($"private readonly {t}[] _gradients = new {t}[ParameterCount];");
            w.Line($"private readonly global::RnnGen.Optimizer<{t}> _optimizer = {OptimizerExpression(t, spec)};");
        }

        if (training.HasDropout)
        {
            w.Line($"private global::RnnGen.InitRandom _dropoutRandom = new global::RnnGen.InitRandom({spec.Seed});");
        }

        w.Line("private TrainingBuffers? _training;");
        if (plan.TrainsInGroups)
        {
            w.Line("private GroupTrainingBuffers? _trainingGroup;");
        }

        if (plan.HasPredictBatch)
        {
            w.Line($"private {plan.ClassName}[]? _trainingWorkers; // AccumulateGradientsBatch's workers on other threads ([0] is this model)");
            w.Line($"private {t} _batchLoss; // the loss sum of the share this model ran");
        }
    }

    /// <summary>The optimizer of DESIGN.md's training section over all ParameterCount parameters.</summary>
    internal static string OptimizerExpression(string t, TrainingSpec spec)
    {
        string r(double v) => Literals.Real(v, Precision.Float64);
        return spec.Optimizer switch
        {
            OptimizerKind.Adam => $"new global::RnnGen.Adam<{t}>(ParameterCount, {r(spec.LearningRate)}, {r(spec.Beta1)}, {r(spec.Beta2)}, {r(spec.Epsilon)}, {r(spec.WeightDecay)})",
            OptimizerKind.Momentum => $"new global::RnnGen.Sgd<{t}>(ParameterCount, {r(spec.LearningRate)}, momentum: {r(spec.Momentum)}, nesterov: {(spec.Nesterov ? "true" : "false")}, weightDecay: {r(spec.WeightDecay)})",
            _ => $"new global::RnnGen.Sgd<{t}>(ParameterCount, {r(spec.LearningRate)}, weightDecay: {r(spec.WeightDecay)})",
        };
    }

    private static string TargetType(ModelPlan plan) =>
        plan.Spec.Training!.Loss == LossKind.CrossEntropy ? "global::System.ReadOnlySpan<int>" : $"global::System.ReadOnlySpan<{plan.T}>";

    private static string LossName(LossKind loss) => loss switch
    {
        LossKind.Mse => "mse",
        LossKind.BinaryCrossEntropy => "binary_cross_entropy",
        _ => "cross_entropy",
    };

    public static void EmitApi(SourceWriter w, ModelPlan plan, TrainingPlan training)
    {
        string t = plan.T;
        TrainingSpec spec = training.Training;
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

        string outputSteps = plan.IsGenerative ? "SequenceLength" : "OutputLength";
        string targetText = spec.Loss == LossKind.CrossEntropy
            ? outputSteps + " class ids in [0, OutputSize), or -100 for a step that does not count"
            : outputSteps + " * OutputSize reals";
        string lossText = spec.Loss switch
        {
            LossKind.Mse => "<c>MSELoss</c> on Predict's output, mean over its elements",
            LossKind.BinaryCrossEntropy => "<c>BCEWithLogitsLoss</c> on the head's logits, mean over its elements",
            _ => "<c>CrossEntropyLoss</c> on the head's logits, mean over the steps whose target is not -100",
        };
        w.Summary(
            $"Runs one sequence forward, takes its loss ({LossName(spec.Loss)}: {lossText}) against <paramref name=\"target\"/>",
            $"({targetText}), adds dL/dθ to <see cref=\"Gradients\"/> by backpropagation through time and returns the loss.",
            "Allocates nothing after the first call.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not have its length.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A token id or a class id is out of range.</exception>");
        string input = ForwardEmitter.InputType(plan);
        string target = TargetType(plan);
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public {t} AccumulateGradients({input} input, {target} target) => AccumulateGradients(input, target, SequenceLength, default, default, default, default);");
        w.Line();
        w.Summary(
            "<see cref=\"AccumulateGradients(" + CrefType(input) + ", " + CrefType(target) + ")\"/> over the first <paramref name=\"length\"/> steps (1..SequenceLength), as PyTorch",
            "trains a packed sequence: later steps add nothing, and a many-to-many loss averages over the valid steps only.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public {t} AccumulateGradients({input} input, {target} target, int length) => AccumulateGradients(input, target, length, default, default, default, default);");
        w.Line();
        w.Summary(
            "Accumulates the gradients of one sequence of <paramref name=\"length\"/> steps run from the initial states <paramref name=\"h0\"/> and",
            "<paramref name=\"c0\"/> (layout of Predict's; empty is the zero state) and writes dL/dh0 and dL/dc0 of this sequence to",
            "<paramref name=\"dh0\"/> and <paramref name=\"dc0\"/> unless they are empty: carry them back to the previous window for truncated BPTT.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public {t} AccumulateGradients({input} input, {target} target, int length, global::System.ReadOnlySpan<{t}> h0, global::System.ReadOnlySpan<{t}> c0, global::System.Span<{t}> dh0, global::System.Span<{t}> dc0)");
        using (w.Block())
        {
            EmitAccumulate(w, plan, training);
        }

        w.Line();
        EmitApplyGradients(w, t, spec);
        w.Line();
        w.Summary("<see cref=\"ZeroGradients\"/>, <see cref=\"AccumulateGradients\"/> and <see cref=\"ApplyGradients\"/>(1): one step on one sequence; returns the loss before the step.");
        w.Line($"public {t} TrainStep({input} input, {target} target) => TrainStep(input, target, SequenceLength);");
        w.Line();
        w.Summary("One step on the first <paramref name=\"length\"/> steps of one sequence; returns the loss before the step.");
        w.Line($"public {t} TrainStep({input} input, {target} target, int length)");
        using (w.Block())
        {
            w.Line("ZeroGradients();");
            w.Line($"{t} loss = AccumulateGradients(input, target, length);");
            w.Line("ApplyGradients(1);");
            w.Line("return loss;");
        }

        if (plan.IsGenerative)
        {
            w.Line();
            GenerationEmitter.EmitTeacherForcing(w, plan);
        }

        w.Line();
        w.Summary("Writes the optimizer's state (step count, learning rate, moments) so training can resume with <see cref=\"LoadTrainingState\"/>.");
        w.Line("public void SaveTrainingState(global::System.IO.Stream stream) => _optimizer.Save(stream);");
        w.Line();
        w.Summary("Restores a state written by <see cref=\"SaveTrainingState\"/> of this model.");
        w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The state is not this model's; nothing changes.</exception>");
        w.Line("public void LoadTrainingState(global::System.IO.Stream stream) => _optimizer.Load(stream);");
        if (training.HasDropout)
        {
            w.Line();
            w.Summary(
                $"Restarts the generator of the dropout masks (dropout {Literals.Plain(spec.Dropout)} between layers) from <paramref name=\"seed\"/>;",
                $"a new model starts from the spec's seed, {spec.Seed}. The same seed gives the same masks.");
            w.Line("public void SeedDropout(int seed) => _dropoutRandom = new global::RnnGen.InitRandom(seed);");
        }
    }

    /// <summary><c>ApplyGradients(batchSize)</c>: mean over the batch, clipping, one optimizer step, zeroed gradients.</summary>
    internal static void EmitApplyGradients(SourceWriter w, string t, TrainingSpec spec)
    {
        w.Summary(
            "Divides <see cref=\"Gradients\"/> by <paramref name=\"batchSize\"/>, "
                + (spec.ClipNorm is { } clip ? $"clips their global norm to {Literals.Plain(clip)} as <c>clip_grad_norm_</c> does, " : string.Empty)
                + $"takes one {OptimizerName(spec.Optimizer)} step",
            "and zeroes the gradients.");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"batchSize\"/> is less than 1.</exception>");
        w.Line("public void ApplyGradients(int batchSize)");
        using (w.Block())
        {
            using (w.Block("if (batchSize < 1)", string.Empty))
            {
                w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(batchSize), batchSize, \"The batch holds at least one sequence.\");");
            }

            w.Line($"global::System.Span<{t}> g = _gradients;");
            using (w.Block("if (batchSize > 1)", string.Empty))
            {
                w.Line($"{t} scale = 1 / ({t})batchSize;");
                using (w.Block("for (int i = 0; i < g.Length; i++)", string.Empty))
                {
                    w.Line("g[i] *= scale;");
                }
            }

            if (spec.ClipNorm is { } norm)
            {
                w.Line();
                w.Line($"global::RnnGen.GradientClipping.ClipGlobalNorm(g, {Literals.Real(norm, Precision.Float64)});");
            }

            w.Line("_optimizer.Step(_parameters, g);");
            w.Line("ZeroGradients();");
            w.Line("ParametersChanged();");
        }

    }

    private static string CrefType(string type) => type.Replace("global::", string.Empty).Replace("<", "{").Replace(">", "}");

    private static string OptimizerName(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.Adam => "Adam",
        OptimizerKind.Momentum => "SGD-with-momentum",
        _ => "SGD",
    };

    internal static void EmitAccumulate(SourceWriter w, ModelPlan plan, TrainingPlan training)
    {
        string t = plan.T;
        string span = $"global::System.Span<{t}>";
        ModelSpec spec = plan.Spec;
        int steps = spec.Sequence;
        LossKind loss = training.Training.Loss;
        ForwardEmitter.EmitLengthCheck(w, "input", plan.IsTokens ? "SequenceLength" : "SequenceLength * InputSize", plan.IsTokens ? steps : steps * spec.Input.Width);
        string outputSteps = plan.IsGenerative ? "SequenceLength" : "OutputLength";
        ForwardEmitter.EmitLengthCheck(w, "target", loss == LossKind.CrossEntropy ? outputSteps : outputSteps + " * OutputSize", loss == LossKind.CrossEntropy ? plan.OutputLength : plan.OutputLength * plan.OutputSize);
        ForwardEmitter.EmitSequenceChecks(w, plan, "dh0", "dc0");

        w.Line();
        w.Line("TrainingBuffers b = _training ??= new TrainingBuffers();");
        w.Line($"{span} g = _gradients;");

        // Forward, keeping every layer's output, gate activations and cell states.
        string source = EmitForwardLayers(w, plan, training, run: true);

        EmitHeadAndLoss(w, plan, training, source);
        EmitBackwardLayers(w, plan, training, "dTop", inject: null);

        w.Line();
        w.Line("return loss;");
    }

    /// <summary>
    /// The head over the top layer's output <paramref name="source"/> (its final states for many-to-one), the loss
    /// against <c>target</c> as <c>loss</c>, and dL/d(top layer's output) as <c>dTop</c> in the sequence's GradientA.
    /// </summary>
    internal static void EmitHeadAndLoss(SourceWriter w, ModelPlan plan, TrainingPlan training, string source)
    {
        string t = plan.T;
        string span = $"global::System.Span<{t}>";
        ModelSpec spec = plan.Spec;
        int steps = spec.Sequence;
        LossKind loss = training.Training.Loss;
        LayerPlan last = plan.LastLayer;
        int width = last.Width;
        int s = last.StateWidth;
        bool hasHead = plan.HeadWeight is not null;
        bool manyToOne = spec.Output.Mode == OutputMode.ManyToOne;
        w.Line();
        w.Line($"{span} top = {source};");
        w.Line($"{span} logits = new global::System.Span<{t}>(b.Head, 0, {training.HeadLength});");
        w.Line($"{span} dLogits = new global::System.Span<{t}>(b.Head, {training.HeadLength}, {training.HeadLength});");
        if (manyToOne)
        {
            w.Line($"{span} features = new global::System.Span<{t}>(b.Head, {2 * training.HeadLength}, {plan.FeatureWidth});");
            w.Line($"{span} dFeatures = new global::System.Span<{t}>(b.Head, {(2 * training.HeadLength) + plan.FeatureWidth}, {plan.FeatureWidth});");
            w.Line("// the head reads [h_fwd(length-1), h_bwd(0)]");
            w.Line($"top.Slice((length - 1) * {width}, {s}).CopyTo(features);");
            if (last.Directions.Count == 2)
            {
                w.Line($"top.Slice({s}, {s}).CopyTo(features.Slice({s}));");
            }

            w.Line(hasHead ? "HeadLogits(features, logits);" : "features.CopyTo(logits);");
        }
        else if (hasHead)
        {
            using (w.Block("for (int step = 0; step < length; step++)", string.Empty))
            {
                w.Line($"HeadLogits(top.Slice(step * {width}, {width}), logits.Slice(step * OutputSize, OutputSize));");
            }
        }
        else
        {
            w.Line($"top.Slice(0, length * {width}).CopyTo(logits);");
        }

        w.Line();
        EmitLoss(w, plan, loss, manyToOne);

        w.Line();
        w.Line($"{span} dTop = new global::System.Span<{t}>(b.GradientA, 0, {steps * width});");
        if (manyToOne)
        {
            w.Line(hasHead ? "HeadBackward(features, dLogits, dFeatures);" : "dLogits.CopyTo(dFeatures);");
            w.Line("dTop.Clear();");
            w.Line($"dFeatures.Slice(0, {s}).CopyTo(dTop.Slice((length - 1) * {width}, {s}));");
            if (last.Directions.Count == 2)
            {
                w.Line($"dFeatures.Slice({s}, {s}).CopyTo(dTop.Slice({s}, {s}));");
            }
        }
        else if (hasHead)
        {
            w.Line("dTop.Clear();");
            using (w.Block("for (int step = 0; step < length; step++)", string.Empty))
            {
                w.Line($"HeadBackward(top.Slice(step * {width}, {width}), dLogits.Slice(step * OutputSize, OutputSize), dTop.Slice(step * {width}, {width}));");
            }
        }
        else
        {
            w.Line("dLogits.CopyTo(dTop);");
        }
    }

    /// <summary>
    /// The forward pass of every layer, keeping each layer's output, gate activations and cell states in the training
    /// buffers; with <paramref name="run"/> false only the spans over them, for a backward pass in a method of its own.
    /// Returns the name of the top layer's output span.
    /// </summary>
    internal static string EmitForwardLayers(SourceWriter w, ModelPlan plan, TrainingPlan training, bool run)
    {
        string t = plan.T;
        string span = $"global::System.Span<{t}>";
        int steps = plan.Spec.Sequence;
        string source = "input";
        foreach (LayerPlan layer in plan.Layers)
        {
            w.Line();
            if (training.HasDropout && layer.Index > 0)
            {
                int length = steps * layer.InputWidth;
                w.Line($"// dropout {Literals.Plain(training.Training.Dropout)} on layer {layer.Index}'s input: x * mask, mask 0 or 1/(1-p)");
                w.Line($"{span} mask{layer.Index} = new global::System.Span<{t}>(b.Masks, {training.DroppedOffsets[layer.Index]}, {length});");
                w.Line($"{span} dropped{layer.Index} = new global::System.Span<{t}>(b.Dropped, {training.DroppedOffsets[layer.Index]}, {length});");
                if (run)
                {
                    w.Line($"global::RnnGen.Dropout.FillMask(mask{layer.Index}, {Literals.Real(training.Training.Dropout, Precision.Float64)}, ref _dropoutRandom);");
                    using (w.Block($"for (int i = 0; i < {length}; i++)", string.Empty))
                    {
                        w.Line($"dropped{layer.Index}[i] = {source}[i] * mask{layer.Index}[i];");
                    }
                }

                source = $"dropped{layer.Index}";
            }

            w.Line(run ? $"// layer {layer.Index} forward, keeping its activations" : $"// layer {layer.Index}'s activations, kept by the forward pass");
            w.Line($"{span} sequence{layer.Index} = new global::System.Span<{t}>(b.Sequences, {training.SequenceOffsets[layer.Index]}, {steps * layer.Width});");
            w.Line($"{span} cache{layer.Index} = new global::System.Span<{t}>(b.Caches, {training.CacheOffsets[layer.Index]}, {layer.Directions.Count * steps * layer.GateScratch});");
            w.Line(layer.IsLstm
                ? $"{span} cells{layer.Index} = new global::System.Span<{t}>(b.Cells, {training.CellOffsets[layer.Index]}, {layer.Directions.Count * steps * layer.Hidden});"
                : $"{span} cells{layer.Index} = default;");
            if (run)
            {
                string states = plan.Spec.Role == ModelRole.Encoder ? "default, default" : $"{plan.HiddenSlice("h0", layer)}, {plan.CellSlice("c0", layer)}";
                w.Line($"{TrainRunMethod(layer)}({source}, sequence{layer.Index}, cache{layer.Index}, cells{layer.Index}, b.Work, length, {states});");
            }

            source = $"sequence{layer.Index}";
        }

        return source;
    }

    /// <summary>
    /// Backpropagation through every layer, top to bottom, from <paramref name="dTop"/> = dL/d(top layer's output), and into
    /// the embedding; <paramref name="inject"/> may add to a layer's output gradient before its backward pass (the
    /// encoder's final-state gradients).
    /// </summary>
    internal static void EmitBackwardLayers(SourceWriter w, ModelPlan plan, TrainingPlan training, string dTop, System.Action<LayerPlan, string>? inject)
    {
        string t = plan.T;
        string span = $"global::System.Span<{t}>";
        ModelSpec spec = plan.Spec;
        int steps = spec.Sequence;
        // Backward through the layers, top to bottom; the two gradient buffers take turns.
        string dOutput = dTop;
        for (int index = plan.Layers.Count - 1; index >= 0; index--)
        {
            LayerPlan layer = plan.Layers[index];
            string layerInput = index == 0 ? "input" : training.HasDropout ? $"dropped{index}" : $"sequence{index - 1}";
            bool dx = BackwardEmitter.HasInputGradient(plan, layer);
            string buffer = (plan.Layers.Count - 1 - index) % 2 == 0 ? "b.GradientB" : "b.GradientA";
            w.Line();
            w.Line($"// layer {layer.Index} backward");
            string dInput = dx ? $"dInput{index}" : "default";
            if (dx)
            {
                w.Line($"{span} dInput{index} = new global::System.Span<{t}>({buffer}, 0, {steps * layer.InputWidth});");
            }

            inject?.Invoke(layer, dOutput);
            string states = plan.Spec.Role == ModelRole.Encoder
                ? "default, default, default, default" + (layer.IsLstm ? $", {plan.CellSlice("dcn", layer)}" : string.Empty)
                : $"{plan.HiddenSlice("h0", layer)}, {plan.CellSlice("c0", layer)}, {plan.HiddenSlice("dh0", layer)}, {plan.CellSlice("dc0", layer)}";
            w.Line($"{BackwardEmitter.RunMethod(layer)}({layerInput}, sequence{index}, cache{index}, cells{index}, {dOutput}, {dInput}, b.Work, length, {states});");
            if (index > 0 && training.HasDropout)
            {
                using (w.Block($"for (int i = 0; i < {steps * layer.InputWidth}; i++)", string.Empty))
                {
                    w.Line($"dInput{index}[i] *= mask{index}[i];");
                }
            }

            dOutput = $"dInput{index}";
        }

        if (plan.IsTokens)
        {
            EmitEmbeddingGradient(w, plan);
        }
    }

    /// <summary>dL/d(embedding rows): each step's input gradient in <c>dInput0</c> goes to the row of its token in <c>input</c>.</summary>
    internal static void EmitEmbeddingGradient(SourceWriter w, ModelPlan plan)
    {
        ModelSpec spec = plan.Spec;
        string t = plan.T;
        int e = spec.Input.Width;
        w.Line();
        w.Line("// embedding: each step's input gradient goes to its token's row" + (spec.Input.Padding is { } pad ? $", except the padding token {pad}'s" : string.Empty));
        using (w.Block("for (int step = 0; step < length; step++)", string.Empty))
        {
            if (spec.Input.Padding is { } padding)
            {
                using (w.Block($"if (input[step] == {padding})", string.Empty))
                {
                    w.Line("continue;");
                }
            }

            w.Line($"global::System.ReadOnlySpan<{t}> dx = dInput0.Slice(step * {e}, {e});");
            w.Line($"{EmitHelpers.AddScaled}(g.Slice(EmbeddingWeight + (input[step] * {e}), {e}), 1, dx);");
        }
    }

    private static void EmitLoss(SourceWriter w, ModelPlan plan, LossKind loss, bool manyToOne)
    {
        string t = plan.T;
        HeadKind head = plan.Spec.Output.Head;

        // Many-to-many takes the loss over the first length steps only, zero gradient past them.
        string steps = manyToOne ? "OutputLength" : "length";
        string valid = manyToOne ? "OutputLength * OutputSize" : "length * OutputSize";
        string Valid(string span) => manyToOne ? span : $"{span}.Slice(0, {valid})";
        if (!manyToOne)
        {
            w.Line("// the steps from length on add nothing");
            w.Line($"dLogits.Slice({valid}).Clear();");
        }

        switch (loss)
        {
            case LossKind.CrossEntropy:
                w.Line("// CrossEntropyLoss on the logits, ignore_index -100");
                w.Line($"{t} loss = global::RnnGen.Losses.CrossEntropy({Valid("logits")}, {(manyToOne ? "target" : "target.Slice(0, length)")}, OutputSize, {Valid("dLogits")});");
                return;
            case LossKind.BinaryCrossEntropy:
                w.Line("// BCEWithLogitsLoss on the logits");
                w.Line($"{t} loss = global::RnnGen.Losses.BinaryCrossEntropyWithLogits({Valid("logits")}, {Valid("target")}, {Valid("dLogits")});");
                return;
        }

        if (head == HeadKind.Sigmoid || head == HeadKind.Softmax)
        {
            w.Line($"// MSELoss on Predict's output, the {HeadEmitter.HeadName(head)} of the logits, then back through the {HeadEmitter.HeadName(head)}");
            w.Line($"global::System.Span<{t}> probabilities = logits;");
            using (w.Block($"for (int step = 0; step < {steps}; step++)", string.Empty))
            {
                w.Line($"global::System.Span<{t}> row = probabilities.Slice(step * OutputSize, OutputSize);");
                if (head == HeadKind.Sigmoid)
                {
                    using (w.Block("for (int k = 0; k < OutputSize; k++)", string.Empty))
                    {
                        w.Line($"row[k] = {EmitHelpers.Sigmoid}(row[k]);");
                    }
                }
                else
                {
                    w.Line($"{EmitHelpers.Softmax}(row);");
                }
            }

            w.Line($"{t} loss = global::RnnGen.Losses.MeanSquaredError({Valid("probabilities")}, {Valid("target")}, {Valid("dLogits")});");
            using (w.Block($"for (int step = 0; step < {steps}; step++)", string.Empty))
            {
                string method = head == HeadKind.Sigmoid ? "SigmoidBackward" : "SoftmaxBackward";
                w.Line($"global::RnnGen.Activations.{method}(probabilities.Slice(step * OutputSize, OutputSize), dLogits.Slice(step * OutputSize, OutputSize));");
            }

            return;
        }

        w.Line("// MSELoss on Predict's output");
        w.Line($"{t} loss = global::RnnGen.Losses.MeanSquaredError({Valid("logits")}, {Valid("target")}, {Valid("dLogits")});");
    }

    public static string TrainRunMethod(LayerPlan layer) => $"Layer{layer.Index}TrainRun";

    /// <summary>The forward pass of one layer over a sequence, keeping each step's activations for the backward pass.</summary>
    public static void EmitTrainRun(SourceWriter w, ModelPlan plan, LayerPlan layer)
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
        bool tokens = plan.IsTokens && layer.Index == 0;

        w.Summary(
            $"Layer {layer.Index} forward over the first <paramref name=\"length\"/> steps, as Predict runs it, but step t of direction d leaves its gate activations in",
            $"caches[(d*{steps} + t)*{gs}..]" + (layer.IsLstm ? $" and its cell state in cells[(d*{steps} + t)*{h}..]" : string.Empty) + " for the backward pass.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void {TrainRunMethod(layer)}({(tokens ? "global::System.ReadOnlySpan<int>" : ro)} input, {span} output, {span} caches, {span} cells, {span} work, int length, {ro} h0, {ro} c0)");
        using (w.Block())
        {
            w.Line($"{ro} p = _parameters;");
            w.Line($"{ro} packed = _packed.Span;");
            if (layer.HasBias)
            {
                w.Line($"{ro} bias = _foldedBias;");
            }

            w.Line($"{span} zero = work.Slice(0, {plan.MaxHidden});");
            w.Line("zero.Clear();");
            if (!tokens)
            {
                w.Line($"int grouped = length - (length % {CellEmitter.GroupSize});");
            }

            foreach (DirectionPlan direction in layer.Directions)
            {
                int d = direction.Index;
                int offset = direction.Reverse ? s : 0;
                string loop = direction.Reverse ? "for (int step = length - 1; step >= 0; step--)" : "for (int step = 0; step < length; step++)";
                string first = direction.Reverse ? "step == length - 1" : "step == 0";
                string previous = direction.Reverse ? "step + 1" : "step - 1";
                w.Line();
                w.Line(direction.Reverse ? "// reverse: t = length-1..0" : "// forward: t = 0..length-1");
                w.Line($"{ro} start{d} = h0.IsEmpty ? zero.Slice(0, {s}) : h0.Slice({d * s}, {s});");
                if (layer.IsLstm)
                {
                    w.Line($"{ro} cellStart{d} = c0.IsEmpty ? zero.Slice(0, {h}) : c0.Slice({d * h}, {h});");
                }

                string row = $"caches.Slice(({d * steps} + step) * {gs}, {gs})";
                EmitInputProducts(w, plan, layer, direction);

                using (w.Block(loop, string.Empty))
                {
                    w.Line($"{ro} hPrev = {first} ? start{d} : output.Slice((({previous}) * {width}) + {offset}, {s});");
                    if (layer.IsLstm)
                    {
                        w.Line($"{span} c = cells.Slice(({d * steps} + step) * {h}, {h});");
                        w.Line($"({first} ? cellStart{d} : cells.Slice(({d * steps} + {previous}) * {h}, {h})).CopyTo(c);");
                    }

                    string call = CellEmitter.StepArguments(layer, direction, "hPrev", $"output.Slice((step * {width}) + {offset}, {s})", "c", row);
                    w.Line($"{layer.StepMethod}({call});");
                }
            }
        }
    }

    /// <summary>
    /// Direction <paramref name="direction"/>'s input product of every step of <c>input</c> (over <c>length</c> steps) into its
    /// cache rows in <c>caches</c>: 4 steps per sweep over W_ih (<c>grouped</c> of them), then one at a time; one by one for tokens.
    /// </summary>
    internal static void EmitInputProducts(SourceWriter w, ModelPlan plan, LayerPlan layer, DirectionPlan direction)
    {
        int steps = plan.Spec.Sequence;
        int input = layer.InputWidth;
        int gs = layer.GateScratch;
        int d = direction.Index;
        string row = $"caches.Slice(({d * steps} + step) * {gs}, {gs})";
        if (plan.IsTokens && layer.Index == 0)
        {
            w.Line("// the input product of every step first, into the step's cache row");
            using (w.Block("for (int step = 0; step < length; step++)", string.Empty))
            {
                w.Line($"{CellEmitter.ProjectMethod(layer)}({CellEmitter.ProjectArguments(layer, direction, $"p.Slice(EmbeddingWeight + (input[step] * {input}), {input})", row)});");
            }

            return;
        }

        int g = CellEmitter.GroupSize;
        w.Line($"// the input product of every step first, into the step's cache row: {g} steps per sweep over W_ih, then one at a time");
        using (w.Block($"for (int step = 0; step < grouped; step += {g})", string.Empty))
        {
            w.Line($"{CellEmitter.ProjectGroupMethod(layer)}({CellEmitter.ProjectArguments(layer, direction, $"input.Slice(step * {input}, {g * input})", $"caches.Slice(({d * steps} + step) * {gs}, {g * gs})")});");
        }

        using (w.Block("for (int step = grouped; step < length; step++)", string.Empty))
        {
            w.Line($"{CellEmitter.ProjectMethod(layer)}({CellEmitter.ProjectArguments(layer, direction, $"input.Slice(step * {input}, {input})", row)});");
        }
    }

    public static void EmitHeadTraining(SourceWriter w, ModelPlan plan)
    {
        if (plan.HeadWeight is null)
        {
            return;
        }

        string t = plan.T;
        int features = plan.FeatureWidth;
        int size = plan.OutputSize;
        w.Summary($"The head's logits, before any sigmoid or softmax: y = W x + b, W = head.weight [{size}, {features}].");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void HeadLogits(global::System.ReadOnlySpan<{t}> x, global::System.Span<{t}> y)");
        using (w.Block())
        {
            w.Line($"global::System.ReadOnlySpan<{t}> p = _parameters;");
            using (w.Block($"for (int row = 0; row < {size}; row++)", string.Empty))
            {
                w.Line($"y[row] = p[HeadBias + row] + {EmitHelpers.Dot}(p.Slice(HeadWeight + (row * {features}), {features}), x);");
            }
        }

        w.Line();
        w.Summary("The head's gradient: from dy = dL/dy, dW += dy x^T and db += dy; writes dx = W^T dy.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void HeadBackward(global::System.ReadOnlySpan<{t}> x, global::System.ReadOnlySpan<{t}> dy, global::System.Span<{t}> dx)");
        using (w.Block())
        {
            w.Line($"global::System.ReadOnlySpan<{t}> p = _parameters;");
            w.Line($"global::System.Span<{t}> g = _gradients;");
            w.Line("dx.Clear();");
            using (w.Block($"for (int row = 0; row < {size}; row++)", string.Empty))
            {
                w.Line("g[HeadBias + row] += dy[row];");
                w.Line($"{EmitHelpers.AddScaled}(g.Slice(HeadWeight + (row * {features}), {features}), dy[row], x);");
                w.Line($"{EmitHelpers.AddScaled}(dx, dy[row], p.Slice(HeadWeight + (row * {features}), {features}));");
            }
        }
    }

    public static void EmitBuffers(SourceWriter w, ModelPlan plan, TrainingPlan training)
    {
        string t = plan.T;
        int work = training.WorkLength;
        int head = (2 * training.HeadLength) + (plan.Spec.Output.Mode == OutputMode.ManyToOne ? 2 * plan.FeatureWidth : 0);
        w.Summary("What training keeps between the forward and the backward pass; made on the first AccumulateGradients call.");
        w.Line(EmitHelpers.GeneratedCode(ModelEmitter.Version));
        w.Line("private sealed class TrainingBuffers");
        using (w.Block())
        {
            w.Line($"public readonly {t}[] Sequences = new {t}[{training.SequencesLength}]; // every layer's output [T, width], layer after layer");
            w.Line($"public readonly {t}[] Caches = new {t}[{training.CacheLength}]; // every step's gate activations");
            w.Line($"public readonly {t}[] Cells = new {t}[{training.CellsLength}]; // every lstm step's cell state");
            if (training.HasDropout)
            {
                w.Line($"public readonly {t}[] Dropped = new {t}[{training.DroppedLength}]; // layer inputs after dropout");
                w.Line($"public readonly {t}[] Masks = new {t}[{training.DroppedLength}]; // their dropout masks");
            }

            w.Line($"public readonly {t}[] GradientA = new {t}[{training.GradientLength}]; // dL/d(a layer's output or input), in turn with GradientB");
            w.Line($"public readonly {t}[] GradientB = new {t}[{training.GradientLength}];");
            w.Line($"public readonly {t}[] Head = new {t}[{head}]; // logits, dL/dlogits" + (plan.Spec.Output.Mode == OutputMode.ManyToOne ? ", features, dL/dfeatures" : string.Empty));
            w.Line($"public readonly {t}[] Work = new {t}[{work}]; // one layer's zero state, backward state and dA");
        }
    }
}
