using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits the API of one-to-many (generative) models: Predict as greedy generation from a prime,
/// Generate with sampling, and the teacher-forcing training overloads. Everything goes through
/// <c>Step</c>, so generation carries the same state as streaming.
/// </summary>
internal static class GenerationEmitter
{
    public static void EmitPredict(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        int steps = plan.Spec.Sequence;
        int length = plan.PublicOutputLength;
        w.Summary(
            plan.IsTokens
                ? $"Greedy generation: runs the prime <paramref name=\"input\"/> (SequenceLength = {steps} token ids) from the zero state, then"
                : $"Greedy generation: runs the prime <paramref name=\"input\"/> [SequenceLength = {steps}, InputSize = {plan.Spec.Input.Width}] from the zero state, then",
            plan.IsTokens
                ? $"produces OutputLength = {length} steps, feeding back the most probable token of each: <paramref name=\"output\"/> [{length}, OutputSize = {plan.OutputSize}]"
                : $"produces OutputLength = {length} steps, feeding each output back as the next input: <paramref name=\"output\"/> [{length}, OutputSize = {plan.OutputSize}].",
            plan.IsTokens ? "receives each generated step's probabilities; row 0 is the prediction after the prime." : "Row 0 is the prediction after the prime.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not have the length above.</exception>");
        if (plan.IsTokens)
        {
            w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A token id is outside [0, VocabSize).</exception>");
        }

        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public void Predict({ForwardEmitter.InputType(plan)} input, global::System.Span<{t}> output)");
        using (w.Block())
        {
            ForwardEmitter.EmitLengthCheck(w, "input", plan.IsTokens ? "SequenceLength" : "SequenceLength * InputSize", plan.IsTokens ? steps : steps * plan.Spec.Input.Width);
            ForwardEmitter.EmitLengthCheck(w, "output", "OutputLength * OutputSize", length * plan.OutputSize);
            if (plan.IsTokens)
            {
                // Every token before the first step, which writes row 0: a bad one leaves output untouched.
                using (w.Block("for (int step = 0; step < SequenceLength; step++)", string.Empty))
                {
                    ForwardEmitter.EmitTokenCheck(w, "input[step]", "\"input[\" + step + \"]\"");
                }
            }

            w.Line();
            w.Line("var state = default(State);");
            w.Line($"global::System.Span<{t}> first = output.Slice(0, OutputSize);");
            using (w.Block("for (int step = 0; step < SequenceLength; step++)", string.Empty))
            {
                w.Line(plan.IsTokens ? "Step(ref state, input[step], first);" : "Step(ref state, input.Slice(step * InputSize, InputSize), first);");
            }

            w.Line();
            w.Line(plan.IsTokens ? "// each step reads the most probable token of the step before" : "// each step reads the output of the step before");
            using (w.Block("for (int row = 1; row < OutputLength; row++)", string.Empty))
            {
                w.Line($"global::System.Span<{t}> previous = output.Slice((row - 1) * OutputSize, OutputSize);");
                w.Line(plan.IsTokens
                    ? "Step(ref state, global::RnnGen.Sampling.ArgMax(previous), output.Slice(row * OutputSize, OutputSize));"
                    : "Step(ref state, previous, output.Slice(row * OutputSize, OutputSize));");
            }
        }
    }

    public static void EmitGenerate(SourceWriter w, ModelPlan plan)
    {
        if (plan.IsTokens)
        {
            EmitGenerateTokens(w, plan);
        }
        else
        {
            EmitGenerateVectors(w, plan);
        }
    }

    private static void EmitGenerateTokens(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        int? stop = plan.Spec.Output.StopToken;
        w.Summary(
            "Runs <paramref name=\"prime\"/> (one token or more) from the zero state, then samples one token per step into <paramref name=\"output\"/>,",
            "each fed back as the next input: from <c>softmax(logits / temperature)</c> with a generator seeded by <paramref name=\"seed\"/>",
            "(the same seed, the same tokens), or the most probable token at temperature 0.",
            stop is { } s
                ? $"Stops after the stop token {s} (spec key <c>output.stop</c>), which it writes. Returns how many tokens it wrote. Allocates nothing."
                : "Returns how many tokens it wrote: all of <paramref name=\"output\"/>. Allocates nothing.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"prime\"/> or <paramref name=\"output\"/> is empty.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A token id is outside [0, VocabSize), or the temperature is negative or not finite.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line("public int Generate(global::System.ReadOnlySpan<int> prime, global::System.Span<int> output, float temperature, int seed)");
        using (w.Block())
        {
            EmitNotEmpty(w, "prime");
            EmitNotEmpty(w, "output");
            using (w.Block("if (!(temperature >= 0) || float.IsPositiveInfinity(temperature))", string.Empty))
            {
                w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(temperature), temperature, \"The temperature is 0 (greedy) or positive.\");");
            }

            w.Line();
            w.Line(plan.GenerateScratchOnStack
                ? $"global::System.Span<{t}> probabilities = stackalloc {t}[OutputSize];"
                : $"global::System.Span<{t}> probabilities = ThreadScratch().Slice({plan.GenerateScratchOffset}, OutputSize);");
            w.Line("var state = default(State);");
            using (w.Block("for (int i = 0; i < prime.Length; i++)", string.Empty))
            {
                w.Line("Step(ref state, prime[i], probabilities);");
            }

            w.Line();
            w.Line("var random = new global::RnnGen.InitRandom(seed);");
            using (w.Block("for (int n = 0; n < output.Length; n++)", string.Empty))
            {
                using (w.Block("if (n > 0)", string.Empty))
                {
                    w.Line("Step(ref state, output[n - 1], probabilities);");
                }

                w.Line("output[n] = global::RnnGen.Sampling.Choose(probabilities, temperature, ref random);");
                if (stop is { } stopToken)
                {
                    using (w.Block($"if (output[n] == {stopToken})", string.Empty))
                    {
                        w.Line("return n + 1;");
                    }
                }
            }

            w.Line();
            w.Line("return output.Length;");
        }
    }

    private static void EmitGenerateVectors(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        w.Summary(
            "Runs <paramref name=\"prime\"/> (one step of InputSize values or more) from the zero state, then fills <paramref name=\"output\"/>",
            "step by step (OutputSize values each), feeding each output back as the next input. Allocates nothing.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span is empty or not a whole number of steps.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public void Generate(global::System.ReadOnlySpan<{t}> prime, global::System.Span<{t}> output)");
        using (w.Block())
        {
            EmitWholeSteps(w, "prime", "InputSize");
            EmitWholeSteps(w, "output", "OutputSize");
            w.Line();
            w.Line("var state = default(State);");
            w.Line($"global::System.Span<{t}> first = output.Slice(0, OutputSize);");
            using (w.Block("for (int step = 0; step < prime.Length / InputSize; step++)", string.Empty))
            {
                w.Line("Step(ref state, prime.Slice(step * InputSize, InputSize), first);");
            }

            using (w.Block("for (int row = 1; row < output.Length / OutputSize; row++)", string.Empty))
            {
                w.Line("Step(ref state, output.Slice((row - 1) * OutputSize, OutputSize), output.Slice(row * OutputSize, OutputSize));");
            }
        }
    }

    public static void EmitTeacherForcing(SourceWriter w, ModelPlan plan)
    {
        string t = plan.T;
        string sequence = plan.IsTokens ? "global::System.ReadOnlySpan<int>" : $"global::System.ReadOnlySpan<{t}>";
        int steps = plan.Spec.Sequence;
        w.Summary(
            $"Teacher forcing: <paramref name=\"sequence\"/> holds SequenceLength + 1 = {steps + 1} steps; the model reads the first {steps}",
            $"and learns to predict each next one (the input shifted by one, as <c>x = seq[:-1]; y = seq[1:]</c>). Returns the loss.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"sequence\"/> does not have the length above.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public {t} AccumulateGradients({sequence} sequence)");
        using (w.Block())
        {
            int values = plan.IsTokens ? steps + 1 : (steps + 1) * plan.Spec.Input.Width;
            ForwardEmitter.EmitLengthCheck(w, "sequence", plan.IsTokens ? "SequenceLength + 1" : "(SequenceLength + 1) * InputSize", values);
            w.Line(plan.IsTokens
                ? "return AccumulateGradients(sequence.Slice(0, SequenceLength), sequence.Slice(1, SequenceLength));"
                : "return AccumulateGradients(sequence.Slice(0, SequenceLength * InputSize), sequence.Slice(InputSize, SequenceLength * InputSize));");
        }

        w.Line();
        w.Summary("One optimizer step of teacher forcing on one sequence of SequenceLength + 1 steps; returns the loss before the step.");
        w.Line($"public {t} TrainStep({sequence} sequence)");
        using (w.Block())
        {
            w.Line("ZeroGradients();");
            w.Line($"{t} loss = AccumulateGradients(sequence);");
            w.Line("ApplyGradients(1);");
            w.Line("return loss;");
        }
    }

    private static void EmitNotEmpty(SourceWriter w, string name)
    {
        using (w.Block($"if ({name}.IsEmpty)", string.Empty))
        {
            w.Line($"throw new {EmitHelpers.ArgumentException}(\"{name} must hold at least one token.\", nameof({name}));");
        }
    }

    private static void EmitWholeSteps(SourceWriter w, string name, string size)
    {
        using (w.Block($"if ({name}.IsEmpty || {name}.Length % {size} != 0)", string.Empty))
        {
            w.Line($"throw new {EmitHelpers.ArgumentException}(\"{name} must hold one or more whole steps of {size} values, not \" + {name}.Length + \".\", nameof({name}));");
        }
    }
}
