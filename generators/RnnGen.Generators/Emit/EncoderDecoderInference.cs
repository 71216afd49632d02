namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits the inference API of an encoder-decoder model: Predict (greedy, every output step), and for token decoders
/// Decode (greedy tokens) and Generate (sampled tokens). Each runs the encoder, starts the decoder's State from the
/// encoder's final states and steps the decoder, feeding back what it wrote.
/// </summary>
internal static class EncoderDecoderInference
{
    private static string InputType(EncoderDecoderPlan plan) =>
        plan.EncoderTokens ? "global::System.ReadOnlySpan<int>" : $"global::System.ReadOnlySpan<{plan.T}>";

    private static string InputText(EncoderDecoderPlan plan) =>
        plan.EncoderTokens ? $"SequenceLength = {plan.Spec.Sequence} token ids" : $"[SequenceLength = {plan.Spec.Sequence}, InputSize = {plan.Spec.Input.Width}]";

    private static void EmitScratch(SourceWriter w, EncoderDecoderPlan plan) =>
        w.Line(plan.InferenceScratchOnStack
            ? $"global::System.Span<{plan.T}> scratch = stackalloc {plan.T}[{plan.InferenceScratch}];"
            : "global::System.Span<" + plan.T + "> scratch = ThreadScratch();");

    /// <summary>Where the probabilities of Decode and Generate, then a feature decoder's zero first input, sit in the scratch.</summary>
    private static int ProbabilitiesOffset(EncoderDecoderPlan plan) => plan.InferenceScratch - plan.OutputSize - (plan.DecoderTokens ? 0 : plan.Decoder.Input.Features);

    public static void EmitPredict(SourceWriter w, EncoderDecoderPlan plan)
    {
        string t = plan.T;
        string input = InputType(plan);
        w.Summary(
            $"Greedy decoding of <paramref name=\"input\"/> ({InputText(plan)}): writes OutputLength = {plan.OutputLength} steps of OutputSize = {plan.OutputSize} values",
            plan.DecoderTokens
                ? "to <paramref name=\"output\"/>, what the head returns (the probabilities of each token); each step after the first reads the most probable token of the step before."
                : "to <paramref name=\"output\"/>, what the head returns; each step after the first reads the output of the step before, the first reads zeros.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not have the length above.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public void Predict({input} input, global::System.Span<{t}> output) => Predict(input, output, SequenceLength);");
        w.Line();
        w.Summary("<see cref=\"Predict(" + Cref(input) + ", System.Span{" + t + "})\"/> of an input of <paramref name=\"length\"/> steps (1..SequenceLength): later input steps are not read.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not have its length.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The length or a token id is out of range.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public void Predict({input} input, global::System.Span<{t}> output, int length)");
        using (w.Block())
        {
            ForwardEmitter.EmitLengthCheck(w, "output", "OutputLength * OutputSize", plan.OutputLength * plan.OutputSize);
            EmitScratch(w, plan);
            w.Line($"var state = default({EncoderDecoderPlan.DecoderClass}.State);");
            w.Line("RunEncoder(input, length, ref state, scratch);");
            w.Line();
            if (plan.DecoderTokens)
            {
                w.Line("// step 0 reads the start token, each later step the most probable token of the step before");
                w.Line("_decoder.Step(ref state, StartToken, output.Slice(0, OutputSize));");
                using (w.Block("for (int row = 1; row < OutputLength; row++)", string.Empty))
                {
                    w.Line("int previous = global::RnnGen.Sampling.ArgMax(output.Slice((row - 1) * OutputSize, OutputSize));");
                    w.Line("_decoder.Step(ref state, previous, output.Slice(row * OutputSize, OutputSize));");
                }
            }
            else
            {
                w.Line("// step 0 reads zeros, each later step the output of the step before");
                w.Line($"global::System.Span<{t}> zeros = scratch.Slice({ProbabilitiesOffset(plan) + plan.OutputSize}, DecoderInputSize);");
                w.Line("zeros.Clear();");
                w.Line("_decoder.Step(ref state, zeros, output.Slice(0, OutputSize));");
                using (w.Block("for (int row = 1; row < OutputLength; row++)", string.Empty))
                {
                    w.Line("_decoder.Step(ref state, output.Slice((row - 1) * OutputSize, OutputSize), output.Slice(row * OutputSize, OutputSize));");
                }
            }
        }
    }

    public static void EmitDecode(SourceWriter w, EncoderDecoderPlan plan)
    {
        string input = InputType(plan);
        int? stop = plan.Spec.Output.StopToken;
        w.Summary(
            $"Greedy decoding of <paramref name=\"input\"/> ({InputText(plan)}) into tokens: the most probable token of each step, fed back as the next",
            stop is null
                ? "step's input. Writes min(output.Length, OutputLength) tokens and returns that count. Allocates nothing."
                : "step's input. Ends after writing StopToken, or after min(output.Length, OutputLength) tokens; returns how many it wrote. Allocates nothing.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"output\"/> is empty, or <paramref name=\"input\"/> does not have its length.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public int Decode({input} input, global::System.Span<int> output) => Decode(input, output, SequenceLength);");
        w.Line();
        w.Summary("<see cref=\"Decode(" + Cref(input) + ", System.Span{int})\"/> of an input of <paramref name=\"length\"/> steps (1..SequenceLength).");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span is empty or does not have its length.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The length or a token id is out of range.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public int Decode({input} input, global::System.Span<int> output, int length) => Tokens(input, output, length, 0, 0);");
    }

    public static void EmitGenerate(SourceWriter w, EncoderDecoderPlan plan)
    {
        string input = InputType(plan);
        string t = plan.T;
        int? stop = plan.Spec.Output.StopToken;
        w.Summary(
            $"Decodes <paramref name=\"input\"/> ({InputText(plan)}) into tokens sampled from <c>softmax(logits / temperature)</c> with a generator seeded",
            "by <paramref name=\"seed\"/> (the same seed, the same tokens; temperature 0 is greedy, as Decode), each fed back as the next step's input.",
            stop is null
                ? "Writes min(output.Length, OutputLength) tokens and returns that count. Allocates nothing."
                : "Ends after writing StopToken, or after min(output.Length, OutputLength) tokens; returns how many it wrote. Allocates nothing.");
        w.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"output\"/> is empty, or <paramref name=\"input\"/> does not have its length.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A token id is out of range, or the temperature is negative or not finite.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public int Generate({input} input, global::System.Span<int> output, float temperature, int seed) => Generate(input, output, temperature, seed, SequenceLength);");
        w.Line();
        w.Summary("<see cref=\"Generate(" + Cref(input) + ", System.Span{int}, float, int)\"/> of an input of <paramref name=\"length\"/> steps (1..SequenceLength).");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span is empty or does not have its length.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The length, a token id or the temperature is out of range.</exception>");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"public int Generate({input} input, global::System.Span<int> output, float temperature, int seed, int length)");
        using (w.Block())
        {
            using (w.Block("if (!(temperature >= 0) || float.IsPositiveInfinity(temperature))", string.Empty))
            {
                w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(temperature), temperature, \"The temperature is 0 (greedy) or positive.\");");
            }

            w.Line();
            w.Line("return Tokens(input, output, length, temperature, seed);");
        }

        w.Line();
        w.Summary("Decode and Generate: each step's token is the most probable one at temperature 0, else sampled; it is the next step's input.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private int Tokens({input} input, global::System.Span<int> output, int length, float temperature, int seed)");
        using (w.Block())
        {
            using (w.Block("if (output.IsEmpty)", string.Empty))
            {
                w.Line($"throw new {EmitHelpers.ArgumentException}(\"output must hold at least one token.\", nameof(output));");
            }

            w.Line();
            EmitScratch(w, plan);
            w.Line($"global::System.Span<{t}> probabilities = scratch.Slice({ProbabilitiesOffset(plan)}, OutputSize);");
            w.Line($"var state = default({EncoderDecoderPlan.DecoderClass}.State);");
            w.Line("RunEncoder(input, length, ref state, scratch);");
            w.Line();
            w.Line("var random = new global::RnnGen.InitRandom(seed);");
            w.Line("int count = global::System.Math.Min(output.Length, OutputLength);");
            w.Line("int token = StartToken;");
            using (w.Block("for (int n = 0; n < count; n++)", string.Empty))
            {
                w.Line("_decoder.Step(ref state, token, probabilities);");
                w.Line("token = temperature == 0 ? global::RnnGen.Sampling.ArgMax(probabilities) : global::RnnGen.Sampling.Choose(probabilities, temperature, ref random);");
                w.Line("output[n] = token;");
                if (stop is not null)
                {
                    using (w.Block("if (token == StopToken)", string.Empty))
                    {
                        w.Line("return n + 1;");
                    }
                }
            }

            w.Line();
            w.Line("return count;");
        }
    }

    /// <summary>The encoder's pass and the decoder's initial state, shared by every inference entry point.</summary>
    public static void EmitRunEncoder(SourceWriter w, EncoderDecoderPlan plan)
    {
        string t = plan.T;
        string span = $"global::System.Span<{t}>";
        int features = plan.Encoder.FeatureWidth;
        int hn = features;
        int cn = hn + plan.EncoderHidden;
        int h0 = cn + plan.EncoderCell;
        int c0 = h0 + plan.DecoderHidden;
        w.Summary(
            "Runs the encoder over the first <paramref name=\"length\"/> steps of <paramref name=\"input\"/> (which it checks) and sets",
            "<paramref name=\"state\"/> to the decoder's initial states, made from the encoder's final ones.");
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void RunEncoder({InputType(plan)} input, int length, ref {EncoderDecoderPlan.DecoderClass}.State state, {span} scratch)");
        using (w.Block())
        {
            w.Line($"{span} features = scratch.Slice(0, {features});");
            w.Line($"{span} hn = scratch.Slice({hn}, EncoderHiddenSize);");
            w.Line($"{span} cn = scratch.Slice({cn}, EncoderCellSize);");
            w.Line($"{span} h0 = scratch.Slice({h0}, DecoderHiddenSize);");
            w.Line($"{span} c0 = scratch.Slice({c0}, DecoderCellSize);");
            w.Line("_encoder.Predict(input, features, length, default, default, hn, cn);");
            w.Line("StartStates(hn, cn, h0, c0);");
            w.Line("_decoder.SetState(ref state, h0, c0);");
        }
    }

    private static string Cref(string type) => type.Replace("global::", string.Empty).Replace("<", "{").Replace(">", "}");
}
