using System.Globalization;
using System.Linq;
using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>
/// The rules of the mode encoder-decoder (docs/encoder-decoder.md): the decoder runs forward and reads back
/// what its head writes, and without a bridge the encoder's final states fit the decoder layer by layer.
/// </summary>
internal static class EncoderDecoderValidator
{
    public static void Validate(ModelSpec spec, DecoderSpec decoder, ReadContext context)
    {
        CheckPadding(spec.Input, "encoder.input.padding", context);
        CheckPadding(decoder.Input, "decoder.input.padding", context);
        for (int i = 0; i < decoder.Layers.Count; i++)
        {
            if (decoder.Layers[i].Direction == Direction.Bidirectional)
            {
                context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Value($"decoder.layers[{i}].direction"),
                    "the decoder writes one step after another, so a decoder layer cannot read backwards; remove 'direction: bidirectional' (the encoder's layers may be bidirectional)");
            }
        }

        if (decoder.Input.IsTokens)
        {
            CheckTokenDecoder(spec, decoder, context);
        }
        else
        {
            CheckVectorDecoder(spec, decoder, context);
        }

        if (decoder.Bridge)
        {
            if (context.Map.Contains("encoder.merge"))
            {
                context.Diagnostics.Report(DiagnosticDescriptors.NoEffect, context.Map.Key("encoder.merge"),
                    "'encoder.merge' has no effect with 'decoder.bridge: true', which reads every encoder state as it is; remove merge");
            }
        }
        else
        {
            if (context.Map.Contains("encoder.merge") && spec.Layers.All(layer => layer.Direction == Direction.Forward))
            {
                context.Diagnostics.Report(DiagnosticDescriptors.NoEffect, context.Map.Key("encoder.merge"),
                    "'encoder.merge' has no effect without a bidirectional encoder layer, as it merges the two directions' final states; remove merge");
            }

            CheckStatesFit(spec, decoder, context);
        }
    }

    private static void CheckPadding(InputSpec input, string path, ReadContext context)
    {
        if (input.Padding is { } padding && padding >= input.Vocab)
        {
            SpecValidator.ReportToken(context, path, padding, input.Vocab, "vocab");
        }
    }

    /// <summary>A token decoder reads the most probable class of the step before: a softmax over its vocabulary, trained with cross_entropy, started by <c>start</c>.</summary>
    private static void CheckTokenDecoder(ModelSpec spec, DecoderSpec decoder, ReadContext context)
    {
        int vocab = decoder.Input.Vocab;
        if (spec.Output.Head != HeadKind.Softmax || spec.Output.Size != vocab)
        {
            context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Key("output"),
                string.Format(CultureInfo.InvariantCulture, "a token decoder reads the most probable token of the step before, so the output needs 'head: softmax' with 'size: {0}' (the decoder's vocab)", vocab));
        }
        else if (spec.Training is { Loss: not LossKind.CrossEntropy })
        {
            context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Value("training.loss"),
                "a token decoder learns each step's token as a class, so it trains with 'loss: cross_entropy'");
        }

        if (spec.Output.StartToken is not { } start)
        {
            context.Diagnostics.Report(DiagnosticDescriptors.MissingKey, context.Map.Key("output"), "'output'", SpecKeys.Start,
                "add 'start: 1', the token the decoder's first step reads (a token of the decoder's vocab, usually one kept for it)");
        }
        else if (start >= vocab)
        {
            SpecValidator.ReportToken(context, "output.start", start, vocab, "decoder.input.vocab");
        }

        if (spec.Output.StopToken is { } stop && spec.Output.Head == HeadKind.Softmax && stop >= spec.Output.Size)
        {
            SpecValidator.ReportToken(context, "output.stop", stop, spec.Output.Size, "size");
        }
    }

    /// <summary>A feature decoder reads the output vector of the step before: it must be as wide as the decoder's input.</summary>
    private static void CheckVectorDecoder(ModelSpec spec, DecoderSpec decoder, ReadContext context)
    {
        foreach (string key in new[] { "output.start", "output.stop" })
        {
            if (context.Map.Contains(key))
            {
                context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Key(key),
                    $"{Phrases.Quote(key)} is a token, and this decoder reads vectors (its first step reads zeros); remove it or set 'decoder.input: {{ vocab: ..., embedding: ... }}'");
            }
        }

        int width = spec.Output.Head == HeadKind.None ? decoder.Layers[decoder.Layers.Count - 1].SequenceWidth : spec.Output.Size;
        if (width != decoder.Input.Features)
        {
            context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Key("output"),
                string.Format(CultureInfo.InvariantCulture, "the decoder reads each output as its next input, so the output must have the decoder input's {0} values, not {1}; set 'size: {0}' or 'decoder.input: {1}'", decoder.Input.Features, width));
        }
    }

    /// <summary>Without a bridge, decoder layer K starts from encoder layer K's final states (merged when bidirectional).</summary>
    private static void CheckStatesFit(ModelSpec spec, DecoderSpec decoder, ReadContext context)
    {
        const string Fix = "add 'bridge: true' under 'decoder' (a learned map from the encoder's states), or match the sizes";
        if (spec.Layers.Count != decoder.Layers.Count)
        {
            context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Key("decoder.layers"),
                string.Format(CultureInfo.InvariantCulture, "without a bridge each decoder layer starts from the final states of the encoder layer at its place, and the encoder has {0} layers, the decoder {1}; {2}", spec.Layers.Count, decoder.Layers.Count, Fix));
            return;
        }

        for (int k = 0; k < decoder.Layers.Count; k++)
        {
            LayerSpec source = spec.Layers[k];
            LayerSpec target = decoder.Layers[k];
            LocationInfo at = context.Map.Value($"decoder.layers[{k}]");
            bool sourceLstm = source.Cell == CellKind.Lstm;
            bool targetLstm = target.Cell == CellKind.Lstm;
            if (sourceLstm != targetLstm)
            {
                context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, at,
                    string.Format(CultureInfo.InvariantCulture,
                        targetLstm
                            ? "decoder layer {0} is an lstm, which starts from a cell state too, and encoder layer {0} is {1} without one; {2}"
                            : "decoder layer {0} is {1} without a cell state, and encoder layer {0} is an lstm whose cell state would be dropped; {2}",
                        k, targetLstm ? Article(source.Cell) : Article(target.Cell), Fix));
                continue;
            }

            int merged = MergedWidth(source.OutputWidth, source.Directions, decoder.Merge);
            if (merged != target.OutputWidth)
            {
                context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, at,
                    string.Format(CultureInfo.InvariantCulture, "decoder layer {0} has a state of {1} values, and encoder layer {0}'s final state{2} has {3}; {4}",
                        k, target.OutputWidth, Merged(source, decoder.Merge), merged, Fix));
            }
            else if (targetLstm && MergedWidth(source.Hidden, source.Directions, decoder.Merge) is var cell && cell != target.Hidden)
            {
                context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, at,
                    string.Format(CultureInfo.InvariantCulture, "decoder layer {0} has a cell state of {1} values (hidden), and encoder layer {0}'s final cell state{2} has {3}; {4}",
                        k, target.Hidden, Merged(source, decoder.Merge), cell, Fix));
            }
        }
    }

    /// <summary>Width of an encoder layer's final state as a decoder layer receives it.</summary>
    public static int MergedWidth(int width, int directions, MergeKind merge) => merge == MergeKind.Concat ? directions * width : width;

    private static string Merged(LayerSpec source, MergeKind merge) =>
        source.Directions == 1 ? string.Empty : merge == MergeKind.Concat ? " (both directions, concatenated)" : " (both directions, summed)";

    private static string Article(CellKind cell) => (cell == CellKind.Gru ? "a " : "an ") + SpecValues.Cell.NameOf(cell);
}
