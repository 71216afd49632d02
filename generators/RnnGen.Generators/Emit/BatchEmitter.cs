using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits <c>PredictBatch</c> (one thread, or several with a caller-given degree of parallelism) and
/// <c>AccumulateGradientsBatch</c>: N sequences laid out one after another, each with its own length.
/// </summary>
internal static class BatchEmitter
{
    public static void EmitPredictBatch(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        string input = plan.IsTokens ? "int" : t;
        int sequence = plan.IsTokens ? plan.Spec.Sequence : plan.Spec.Sequence * plan.Spec.Input.Width;
        int output = plan.OutputLength * plan.OutputSize;

        w.Summary(
            $"Runs <see cref=\"Predict(global::System.ReadOnlySpan{{{input}}}, global::System.Span{{{t}}})\"/> over a batch: <paramref name=\"inputs\"/> holds N sequences of {sequence} values",
            $"one after another, <paramref name=\"outputs\"/> receives their N outputs of {output} values. One thread; allocates nothing.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The spans do not hold the same whole number of sequences.</exception>");
        w.Line($"public void PredictBatch(global::System.ReadOnlySpan<{input}> inputs, global::System.Span<{t}> outputs) => PredictBatch(inputs, outputs, default);");
        w.Line();

        int g = CellEmitter.GroupSize;
        bool groups = plan.BatchesInGroups;
        w.Summary(
            "Runs a batch of N sequences, sequence i over its first <c>lengths[i]</c> steps (see the Predict overload with a length);",
            groups
                ? $"empty <paramref name=\"lengths\"/> runs every sequence in full. Sequences run {g} at a time in lockstep, so each weight block is read"
                : "empty <paramref name=\"lengths\"/> runs every sequence in full. Sequences run one by one (this model is over the source budget with",
            groups
                ? $"once per step for {g} sequences (a matrix-matrix product); the last N mod {g} run one by one. Every output equals Predict's bit for bit."
                : "the lockstep group methods). Every output equals Predict's bit for bit.",
            (plan.IsTokens ? "Every length and token id is" : "Every length is") + " checked before any output is written.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The spans do not hold the same whole number of sequences, or lengths is neither empty nor N long.</exception>");
        w.Line(plan.IsTokens
            ? "/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A length is outside [1, SequenceLength], or a token id within a sequence's length is outside [0, VocabSize).</exception>"
            : "/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A length is outside [1, SequenceLength].</exception>");
        w.Line($"public void PredictBatch(global::System.ReadOnlySpan<{input}> inputs, global::System.Span<{t}> outputs, global::System.ReadOnlySpan<int> lengths)");
        using (w.Block())
        {
            w.Line("int count = BatchCount(inputs.Length, outputs.Length, lengths.Length);");
            w.Line("CheckLengths(lengths);");
            if (plan.IsTokens)
            {
                w.Line("CheckBatchTokens(inputs, lengths);");
            }

            w.Line("int i = 0;");
            if (groups)
            {
                w.Line($"global::System.Span<int> groupLengths = stackalloc int[{g}];");
                using (w.Block($"for (; i + {g} <= count; i += {g})", string.Empty))
                {
                    using (w.Block($"for (int b = 0; b < {g}; b++)", string.Empty))
                    {
                        w.Line("groupLengths[b] = lengths.IsEmpty ? SequenceLength : lengths[i + b];");
                    }

                    w.Line($"PredictGroup(inputs.Slice(i * {sequence}, {g * sequence}), outputs.Slice(i * {output}, {g * output}), groupLengths);");
                }
            }

            using (w.Block("for (; i < count; i++)", string.Empty))
            {
                w.Line($"Predict(inputs.Slice(i * {sequence}, {sequence}), outputs.Slice(i * {output}, {output}), lengths.IsEmpty ? SequenceLength : lengths[i]);");
            }
        }

        if (groups)
        {
            w.Line();
            EmitPredictGroup(w, plan);
        }
        if (plan.IsTokens)
        {
            w.Line();
            w.Summary("Throws unless every token id within its sequence's length is in [0, VocabSize): batches check them all before they write anything.");
            w.Line("private static void CheckBatchTokens(global::System.ReadOnlySpan<int> inputs, global::System.ReadOnlySpan<int> lengths)");
            using (w.Block())
            {
                using (w.Block($"for (int i = 0; i < inputs.Length / {sequence}; i++)", string.Empty))
                {
                    w.Line("int length = lengths.IsEmpty ? SequenceLength : lengths[i];");
                    using (w.Block("for (int step = 0; step < length; step++)", string.Empty))
                    {
                        ForwardEmitter.EmitTokenCheck(w, $"inputs[(i * {sequence}) + step]", $"\"inputs[\" + ((i * {sequence}) + step) + \"]\"");
                    }
                }
            }
        }

        w.Line();
        w.Summary(
            "Runs a batch on up to <paramref name=\"degreeOfParallelism\"/> threads (<see cref=\"global::System.Threading.Tasks.Parallel\"/>), each taking",
            "a contiguous share of the sequences; the results equal the one-thread overload's. With 1, or a single sequence, it runs on the",
            "calling thread and allocates nothing; otherwise each call allocates Parallel.For's bookkeeping, about 2 KB that do",
            "not grow with N (docs/benchmarks.md, \"Batches\"). Other calls on this instance may run at the same time, but not training or loading.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The buffers do not hold the same whole number of sequences, or lengths is neither empty nor N long.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A length is outside [1, SequenceLength], or <paramref name=\"degreeOfParallelism\"/> is below 1.</exception>");
        w.Line($"public void PredictBatch(global::System.ReadOnlyMemory<{input}> inputs, global::System.Memory<{t}> outputs, global::System.ReadOnlyMemory<int> lengths, int degreeOfParallelism)");
        using (w.Block())
        {
            using (w.Block("if (degreeOfParallelism < 1)", string.Empty))
            {
                w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(degreeOfParallelism), degreeOfParallelism, \"The degree of parallelism is at least 1.\");");
            }

            w.Line("int count = BatchCount(inputs.Length, outputs.Length, lengths.Length);");
            w.Line("int workers = global::System.Math.Min(degreeOfParallelism, count);");
            using (w.Block("if (workers <= 1)", string.Empty))
            {
                w.Line("PredictBatch(inputs.Span, outputs.Span, lengths.Span);");
                w.Line("return;");
            }

            w.Line();
            w.Line("CheckLengths(lengths.Span);");
            if (plan.IsTokens)
            {
                w.Line("CheckBatchTokens(inputs.Span, lengths.Span);");
            }

            w.Line("PredictBatchOnThreads(inputs, outputs, lengths, count, workers);");
        }

        w.Line();
        w.Summary("Splits the batch into <paramref name=\"workers\"/> contiguous shares and runs them in parallel; its own method, so the lambda's closure is allocated only on this path.");
        w.Line($"private void PredictBatchOnThreads(global::System.ReadOnlyMemory<{input}> inputs, global::System.Memory<{t}> outputs, global::System.ReadOnlyMemory<int> lengths, int count, int workers)");
        using (w.Block())
        {
            w.Line("var options = new global::System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = workers };");
            w.Line("global::System.Threading.Tasks.Parallel.For(0, workers, options, worker =>");
            using (w.Block(");"))
            {
                w.Line("int first = (int)((long)count * worker / workers);");
                w.Line("int end = (int)((long)count * (worker + 1) / workers);");
                w.Line($"PredictBatch(inputs.Slice(first * {sequence}, (end - first) * {sequence}).Span, outputs.Slice(first * {output}, (end - first) * {output}).Span, lengths.IsEmpty ? default : lengths.Slice(first, end - first).Span);");
            }
        }

        w.Line();
        w.Summary("Throws unless every length is in [1, SequenceLength]: batches check them all before they write anything.");
        w.Line("private static void CheckLengths(global::System.ReadOnlySpan<int> lengths)");
        using (w.Block())
        {
            using (w.Block("for (int i = 0; i < lengths.Length; i++)", string.Empty))
            {
                using (w.Block($"if ((uint)(lengths[i] - 1) >= {plan.Spec.Sequence})", string.Empty))
                {
                    w.Line($"throw new global::System.ArgumentOutOfRangeException(nameof(lengths), lengths[i], \"The length of a sequence is 1 to SequenceLength = {plan.Spec.Sequence}.\");");
                }
            }
        }

        w.Line();
        EmitBatchCount(w, "BatchCount", sequence, "outputs", output);
    }

    /// <summary><c>PredictGroup</c>: Predict over <see cref="CellEmitter.GroupSize"/> sequences in lockstep, each layer's RunGroup in turn, then each sequence's head.</summary>
    private static void EmitPredictGroup(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        string span = $"global::System.Span<{t}>";
        string input = plan.IsTokens ? "int" : t;
        int g = CellEmitter.GroupSize;
        ModelSpec spec = plan.Spec;
        int steps = spec.Sequence;
        int sequence = plan.IsTokens ? steps : steps * spec.Input.Width;
        int output = plan.OutputLength * plan.OutputSize;
        w.Summary(
            $"Predict over {g} sequences (inputs [{g}, {sequence}], outputs [{g}, {output}]), sequence b over its first <c>lengths[b]</c> steps, already",
            "checked: every layer runs the group in lockstep (its RunGroup), then the head runs per sequence as in Predict.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void PredictGroup(global::System.ReadOnlySpan<{input}> inputs, {span} outputs, global::System.ReadOnlySpan<int> lengths)");
        using (w.Block())
        {
            w.Line(plan.PredictGroupScratchOnStack
                ? $"{span} scratch = stackalloc {t}[{plan.PredictGroupScratchLength}];"
                : $"{span} scratch = ThreadScratch().Slice(0, {plan.PredictGroupScratchLength});");
            int buffer = g * plan.SequenceBufferLength;
            w.Line($"{span} sequenceA = scratch.Slice(0, {buffer});");
            w.Line($"{span} sequenceB = scratch.Slice({buffer}, {buffer});");
            w.Line($"{span} work = scratch.Slice({2 * buffer}, {plan.GroupWorkLength});");
            string source = "inputs";
            foreach (LayerPlan layer in plan.Layers)
            {
                string target = layer.Index % 2 == 0 ? "sequenceA" : "sequenceB";
                int length = g * steps * layer.Width;
                w.Line($"// layer {layer.Index} ({CellEmitter.CellName(layer.Spec.Cell)} {layer.Hidden}, {ForwardEmitter.DirectionName(layer)}): [{g}, {steps}, {layer.Width}]");
                w.Line($"{ForwardEmitter.RunGroupMethod(layer)}({source}, {target}.Slice(0, {length}), work, lengths);");
                source = $"{target}.Slice(0, {length})";
            }

            w.Line();
            w.Line("// the head, sequence by sequence, as Predict runs it");
            using (w.Block($"for (int b = 0; b < {g}; b++)", string.Empty))
            {
                int width = plan.LastLayer.Width;
                w.Line("int length = lengths[b];");
                w.Line($"{span} top = {source}.Slice(b * {steps * width}, {steps * width});");
                w.Line($"{span} output = outputs.Slice(b * {output}, {output});");
                if (spec.Output.Mode == OutputMode.ManyToOne)
                {
                    w.Line($"{span} features = scratch.Slice({(2 * buffer) + plan.GroupWorkLength} + (b * {plan.FeatureWidth}), {plan.FeatureWidth});");
                }

                ForwardEmitter.EmitHeadCall(w, plan, plan.LastLayer);
            }
        }
    }

    public static void EmitAccumulateGradientsBatch(SourceWriter w, ModelPlan plan, TrainingPlan training)
    {
        string t = plan.T;
        string input = plan.IsTokens ? "int" : t;
        int sequence = plan.IsTokens ? plan.Spec.Sequence : plan.Spec.Sequence * plan.Spec.Input.Width;
        bool classes = plan.Spec.Training!.Loss == LossKind.CrossEntropy;
        string target = classes ? "int" : t;
        int targets = classes ? plan.OutputLength : plan.OutputLength * plan.OutputSize;
        bool groups = plan.TrainsInGroups;
        int g = CellEmitter.GroupSize;

        w.Summary(
            $"<see cref=\"AccumulateGradients(global::System.ReadOnlySpan{{{input}}}, global::System.ReadOnlySpan{{{target}}}, int)\"/> for each of N sequences",
            $"(<paramref name=\"inputs\"/> N x {sequence} values, <paramref name=\"targets\"/> N x {targets}), sequence i over its first <c>lengths[i]</c> steps",
            "(empty: all of them). Adds the sum of their gradients to <see cref=\"Gradients\"/> and returns the mean of their losses: follow",
            "with <see cref=\"ApplyGradients\"/>(N) for one step on the batch's mean loss, as PyTorch does for a batch. Every length"
                + (plan.IsTokens ? ", token" : string.Empty) + (classes ? " and class id" : string.Empty) + " is checked before anything is added."
                + (groups ? $" Runs {g} sequences at a time in lockstep (each step reads every weight" : string.Empty),
            (groups ? "block once for the four; the gradients equal the sequential calls' up to the order of the peephole and W_hr sums) and the rest one by one. " : string.Empty)
                + "Runs on the calling thread (the overload with a degree of parallelism uses more); allocates nothing after the first call.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The spans do not hold the same whole number of sequences, or lengths is neither empty nor N long.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A length, token or class id is out of range.</exception>");
        w.Line($"public {t} AccumulateGradientsBatch(global::System.ReadOnlySpan<{input}> inputs, global::System.ReadOnlySpan<{target}> targets, global::System.ReadOnlySpan<int> lengths)");
        using (w.Block())
        {
            w.Line("int count = TrainingBatchCount(inputs.Length, targets.Length, lengths.Length);");
            EmitTrainingBatchChecks(w, plan, string.Empty);
            w.Line("return AccumulateBatchSum(inputs, targets, lengths) / count;");
        }

        w.Line();
        w.Summary(
            "Runs a batch on up to <paramref name=\"degreeOfParallelism\"/> threads (<see cref=\"global::System.Threading.Tasks.Parallel\"/>): contiguous shares of",
            (groups ? $"whole groups of {g}, " : string.Empty) + "the first on this model, each other on a worker model that shares this model's parameters and keeps",
            "its own gradients and training buffers (made by the first call that needs it, kept for later ones); the shares' gradients",
            "are then added to <see cref=\"Gradients\"/> in share order. The result equals the one-thread overload's up to the order of the",
            "sums (within rounding)" + (training.HasDropout ? "; the dropout masks differ: each worker draws them from a generator of its own, seeded from this" : "."),
            (training.HasDropout ? "model's in share order, so they depend on the degree of parallelism (and are the same for the same seed and degree). " : string.Empty)
                + "With 1, or fewer sequences than two shares need, it runs on the calling thread and allocates nothing; otherwise each",
            "call allocates Parallel.For's bookkeeping (about 2 KB, independent of N; docs/benchmarks.md, \"Batches\"). Not concurrent with other calls on this instance.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The buffers do not hold the same whole number of sequences, or lengths is neither empty nor N long.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A length, token or class id is out of range, or <paramref name=\"degreeOfParallelism\"/> is below 1.</exception>");
        w.Line($"public {t} AccumulateGradientsBatch(global::System.ReadOnlyMemory<{input}> inputs, global::System.ReadOnlyMemory<{target}> targets, global::System.ReadOnlyMemory<int> lengths, int degreeOfParallelism)");
        using (w.Block())
        {
            using (w.Block("if (degreeOfParallelism < 1)", string.Empty))
            {
                w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(degreeOfParallelism), degreeOfParallelism, \"The degree of parallelism is at least 1.\");");
            }

            w.Line("int count = TrainingBatchCount(inputs.Length, targets.Length, lengths.Length);");
            EmitTrainingBatchChecks(w, plan, ".Span");
            int unit = groups ? g : 1;
            w.Line(unit == 1
                ? "int shares = global::System.Math.Min(degreeOfParallelism, count);"
                : $"int shares = global::System.Math.Min(degreeOfParallelism, count / {unit}); // each share at least one group");
            using (w.Block("if (shares <= 1)", string.Empty))
            {
                w.Line("return AccumulateBatchSum(inputs.Span, targets.Span, lengths.Span) / count;");
            }

            w.Line("return AccumulateBatchOnThreads(inputs, targets, lengths, count, shares) / count;");
        }

        w.Line();
        w.Summary(
            "The sum of the losses of a checked batch, its gradients added to <see cref=\"Gradients\"/>" + (groups ? $": {g} sequences at a time in lockstep, the rest one by one." : ": one sequence at a time."));
        w.Line($"private {t} AccumulateBatchSum(global::System.ReadOnlySpan<{input}> inputs, global::System.ReadOnlySpan<{target}> targets, global::System.ReadOnlySpan<int> lengths)");
        using (w.Block())
        {
            w.Line($"int count = inputs.Length / {sequence};");
            w.Line($"{t} sum = 0;");
            w.Line("int i = 0;");
            if (groups)
            {
                w.Line($"global::System.Span<int> groupLengths = stackalloc int[{g}];");
                w.Line($"global::System.Span<{t}> losses = stackalloc {t}[{g}];");
                using (w.Block($"for (; i + {g} <= count; i += {g})", string.Empty))
                {
                    using (w.Block($"for (int b = 0; b < {g}; b++)", string.Empty))
                    {
                        w.Line("groupLengths[b] = lengths.IsEmpty ? SequenceLength : lengths[i + b];");
                    }

                    w.Line($"{GroupTrainingEmitter.AccumulateGroupMethod}(inputs.Slice(i * {sequence}, {g * sequence}), targets.Slice(i * {targets}, {g * targets}), groupLengths, losses);");
                    w.Line("// the losses add up in sequence order, as the sequential calls' do");
                    using (w.Block($"for (int b = 0; b < {g}; b++)", string.Empty))
                    {
                        w.Line("sum += losses[b];");
                    }
                }
            }

            using (w.Block("for (; i < count; i++)", string.Empty))
            {
                w.Line($"sum += AccumulateGradients(inputs.Slice(i * {sequence}, {sequence}), targets.Slice(i * {targets}, {targets}), lengths.IsEmpty ? SequenceLength : lengths[i]);");
            }

            w.Line("return sum;");
        }

        w.Line();
        EmitTrainingOnThreads(w, plan, training);
        w.Line();
        EmitBatchCount(w, "TrainingBatchCount", sequence, "targets", targets);
        if (classes)
        {
            bool manyToOne = plan.Spec.Output.Mode == OutputMode.ManyToOne;
            w.Line();
            w.Summary("Rejects a class id outside [0, OutputSize) (but -100, ignored) in a step the loss reads, before any sequence adds its gradient.");
            w.Line("private static void CheckBatchClasses(global::System.ReadOnlySpan<int> targets, global::System.ReadOnlySpan<int> lengths)");
            using (w.Block())
            {
                using (w.Block($"for (int i = 0; i < targets.Length / {targets}; i++)", string.Empty))
                {
                    w.Line(manyToOne ? $"int steps = {targets};" : "int steps = lengths.IsEmpty ? SequenceLength : lengths[i];");
                    using (w.Block("for (int step = 0; step < steps; step++)", string.Empty))
                    {
                        w.Line($"int label = targets[(i * {targets}) + step];");
                        using (w.Block("if (label != -100 && (uint)label >= OutputSize)", string.Empty))
                        {
                            w.Line($"throw new global::System.ArgumentOutOfRangeException(\"targets[\" + ((i * {targets}) + step) + \"]\", label, \"A class id is in [0, \" + OutputSize + \") or -100 to ignore the step.\");");
                        }
                    }
                }
            }
        }

        if (groups)
        {
            w.Line();
            GroupTrainingEmitter.EmitAccumulateGroup(w, plan, training);
        }
    }

    /// <summary>The checks of a training batch before anything is added: lengths, then token ids, then class ids.</summary>
    private static void EmitTrainingBatchChecks(SourceWriter w, ModelPlan plan, string spanSuffix)
    {
        w.Line($"CheckLengths(lengths{spanSuffix});");
        if (plan.IsTokens)
        {
            w.Line($"CheckBatchTokens(inputs{spanSuffix}, lengths{spanSuffix});");
        }

        if (plan.Spec.Training!.Loss == LossKind.CrossEntropy)
        {
            w.Line($"CheckBatchClasses(targets{spanSuffix}, lengths{spanSuffix});");
        }
    }

    /// <summary>
    /// <c>AccumulateBatchOnThreads</c> and the workers it runs shares on: <c>TrainingWorkers</c> and the private
    /// constructor of a worker, which shares the parameter arrays of the model it works for.
    /// </summary>
    private static void EmitTrainingOnThreads(SourceWriter w, ModelPlan plan, TrainingPlan training)
    {
        string t = plan.T;
        string name = plan.ClassName;
        string input = plan.IsTokens ? "int" : t;
        bool classes = plan.Spec.Training!.Loss == LossKind.CrossEntropy;
        string target = classes ? "int" : t;
        int sequence = plan.IsTokens ? plan.Spec.Sequence : plan.Spec.Sequence * plan.Spec.Input.Width;
        int targets = classes ? plan.OutputLength : plan.OutputLength * plan.OutputSize;
        int unit = plan.TrainsInGroups ? CellEmitter.GroupSize : 1;
        w.Summary(
            "Runs the shares of a checked batch in parallel, share 0 on this model and share s on worker s, then adds the workers' gradients",
            "and losses in share order; returns the sum of the losses. Its own method, so the lambda's closure is allocated only on this path.");
        w.Line($"private {t} AccumulateBatchOnThreads(global::System.ReadOnlyMemory<{input}> inputs, global::System.ReadOnlyMemory<{target}> targets, global::System.ReadOnlyMemory<int> lengths, int count, int shares)");
        using (w.Block())
        {
            w.Line($"{name}[] workers = TrainingWorkers(shares);");
            if (training.HasDropout)
            {
                w.Line("// each worker's dropout masks from a generator of its own, seeded from this model's in share order");
                using (w.Block("for (int share = 1; share < shares; share++)", string.Empty))
                {
                    w.Line("workers[share]._dropoutRandom = new global::RnnGen.InitRandom(unchecked((int)_dropoutRandom.NextUInt64()));");
                }
            }

            w.Line("var options = new global::System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = shares };");
            w.Line("global::System.Threading.Tasks.Parallel.For(0, shares, options, share =>");
            using (w.Block(");"))
            {
                if (unit == 1)
                {
                    w.Line("int first = (int)((long)count * share / shares);");
                    w.Line("int end = (int)((long)count * (share + 1) / shares);");
                }
                else
                {
                    w.Line($"// whole groups of {unit} per share; the last share also takes the count mod {unit} left over");
                    w.Line($"int groups = count / {unit};");
                    w.Line($"int first = {unit} * (int)((long)groups * share / shares);");
                    w.Line($"int end = share == shares - 1 ? count : {unit} * (int)((long)groups * (share + 1) / shares);");
                }

                w.Line($"{name} worker = workers[share];");
                using (w.Block("if (share > 0)", string.Empty))
                {
                    w.Line("worker.ZeroGradients();");
                }

                w.Line($"worker._batchLoss = worker.AccumulateBatchSum(inputs.Slice(first * {sequence}, (end - first) * {sequence}).Span, targets.Slice(first * {targets}, (end - first) * {targets}).Span, lengths.IsEmpty ? default : lengths.Slice(first, end - first).Span);");
            }

            w.Line($"{t} sum = _batchLoss;");
            using (w.Block("for (int share = 1; share < shares; share++)", string.Empty))
            {
                w.Line($"{EmitHelpers.AddScaled}(_gradients, 1, workers[share]._gradients);");
                w.Line("sum += workers[share]._batchLoss;");
            }

            w.Line("return sum;");
        }

        w.Line();
        w.Summary("This model and at least <paramref name=\"count\"/> - 1 workers: made when first needed, kept for later calls.");
        w.Line($"private {name}[] TrainingWorkers(int count)");
        using (w.Block())
        {
            using (w.Block("if (_trainingWorkers is null || _trainingWorkers.Length < count)", string.Empty))
            {
                w.Line($"var workers = new {name}[count];");
                w.Line("workers[0] = this;");
                using (w.Block("for (int i = 1; i < count; i++)", string.Empty))
                {
                    w.Line($"workers[i] = _trainingWorkers is not null && i < _trainingWorkers.Length ? _trainingWorkers[i] : new {name}(this);");
                }

                w.Line("_trainingWorkers = workers;");
            }

            w.Line("return _trainingWorkers;");
        }

        w.Line();
        w.Summary(
            "A worker of <see cref=\"AccumulateGradientsBatch(global::System.ReadOnlyMemory{" + input + "}, global::System.ReadOnlyMemory{" + target + "}, global::System.ReadOnlyMemory{int}, int)\"/>: it reads",
            "<paramref name=\"owner\"/>'s parameters and the copies derived from them (the same arrays, so it always sees the current ones) and",
            "keeps gradients and training buffers of its own; its own parameter arrays and optimizer, made by the field initializers, are dropped.");
        w.Line($"private {name}({name} owner)");
        using (w.Block())
        {
            w.Line("_parameters = owner._parameters;");
            if (plan.FoldedBiasLength > 0)
            {
                w.Line("_foldedBias = owner._foldedBias;");
            }

            w.Line("_packed = owner._packed;");
            w.Line("_optimizer = owner._optimizer;");
        }
    }

    private static void EmitBatchCount(SourceWriter w, string name, int sequence, string outputs, int output)
    {
        w.Summary($"The number of sequences in a batch: inputs of {sequence} values and {outputs} of {output} per sequence, lengths empty or one per sequence.");
        w.Line($"private static int {name}(int inputs, int {outputs}, int lengths)");
        using (w.Block())
        {
            w.Line($"int count = inputs / {sequence};");
            using (w.Block($"if (count == 0 || inputs != count * {sequence})", string.Empty))
            {
                w.Line($"throw new global::System.ArgumentException(\"inputs must hold a whole number (at least 1) of sequences of {sequence} values, not \" + inputs + \".\", nameof(inputs));");
            }

            using (w.Block($"if ({outputs} != count * {output})", string.Empty))
            {
                w.Line($"throw new global::System.ArgumentException(\"The batch has \" + count + \" sequences: {outputs} must hold \" + count + \" x {output} values, not \" + {outputs} + \".\", nameof({outputs}));");
            }

            using (w.Block("if (lengths != 0 && lengths != count)", string.Empty))
            {
                w.Line("throw new global::System.ArgumentException(\"lengths must be empty or hold one length per sequence (\" + count + \"), not \" + lengths + \".\", nameof(lengths));");
            }

            w.Line("return count;");
        }
    }
}
