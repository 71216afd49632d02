using System.Globalization;
using System.Linq;
using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>
/// The rules that span sections of a spec that read without error: the loss against the head,
/// tokens against the vocabulary and the head, and the size of the model as a whole. Also warns
/// about settings that have no effect (RNN0016).
/// </summary>
internal static class SpecValidator
{
    public static void Validate(ModelSpec spec, ReadContext context)
    {
        if (spec.Training is { } training)
        {
            CheckLoss(training, spec.Output.Head, context);
            CheckEffect(training, spec, context);
        }

        if (spec.Decoder is { } decoder)
        {
            EncoderDecoderValidator.Validate(spec, decoder, context);
        }
        else
        {
            CheckTokens(spec, context);
        }

        if (spec.Output.Mode == OutputMode.OneToMany)
        {
            CheckGenerative(spec, context);
        }

        CheckParameterCount(spec, context);
        CheckSequenceElements(spec, context);
    }

    /// <summary>DESIGN.md's table: mse fits any head, binary_cross_entropy only sigmoid, cross_entropy only softmax.</summary>
    private static void CheckLoss(TrainingSpec training, HeadKind head, ReadContext context)
    {
        HeadKind? needed = training.Loss switch
        {
            LossKind.BinaryCrossEntropy => HeadKind.Sigmoid,
            LossKind.CrossEntropy => HeadKind.Softmax,
            _ => null,
        };
        if (needed is not { } neededHead || neededHead == head)
        {
            return;
        }

        string fitting = head switch
        {
            HeadKind.Sigmoid => "binary_cross_entropy or mse",
            HeadKind.Softmax => "cross_entropy or mse",
            _ => "mse",
        };
        string loss = SpecValues.Loss.NameOf(training.Loss);
        string headName = SpecValues.Head.NameOf(head);
        context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Value("training.loss"),
            $"The loss {loss} needs head: {SpecValues.Head.NameOf(neededHead)} (it is computed on that head's logits), and the head is {headName}; set 'output.head: {SpecValues.Head.NameOf(neededHead)}', or use a loss that fits head {headName}: {fitting}");
    }

    private static void CheckEffect(TrainingSpec training, ModelSpec spec, ReadContext context)
    {
        if (training.Dropout > 0 && spec.Layers.Count == 1 && spec.Decoder is not { Layers.Count: > 1 })
        {
            context.Diagnostics.Report(DiagnosticDescriptors.NoEffect, context.Map.Value("training.dropout"),
                spec.Decoder is null
                    ? "'training.dropout' has no effect in a model with one layer, as dropout applies between layers; remove it or add a layer"
                    : "'training.dropout' has no effect when the encoder and the decoder have one layer each, as dropout applies between the layers of a stack; remove it or add a layer");
        }

        if (training.Dropout == 0 && context.Map.Contains("training.seed"))
        {
            context.Diagnostics.Report(DiagnosticDescriptors.NoEffect, context.Map.Key("training.seed"),
                "'training.seed' has no effect without dropout, as it only seeds the dropout masks; remove it or set 'training.dropout'");
        }
    }

    /// <summary>
    /// One-to-many feeds each output back as the next input, step by step: the layers must run forward
    /// only, and what the head returns must be an input: a distribution over the vocabulary for token
    /// models (softmax of size vocab), a vector of the input's width otherwise.
    /// </summary>
    private static void CheckGenerative(ModelSpec spec, ReadContext context)
    {
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            if (spec.Layers[i].Direction == Direction.Bidirectional)
            {
                context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Value($"{SpecKeys.Layers}[{i}].direction"),
                    "one-to-many generates one step after another, so a layer cannot read the sequence backwards; remove 'direction: bidirectional'");
            }
        }

        if (spec.Input.IsTokens)
        {
            if (spec.Output.Head != HeadKind.Softmax || spec.Output.Size != spec.Input.Vocab)
            {
                context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Key("output"),
                    string.Format(CultureInfo.InvariantCulture, "a one-to-many token model predicts the next token, so it needs 'head: softmax' with 'size: {0}' (the vocab)", spec.Input.Vocab));
            }
            else if (spec.Training is { Loss: not LossKind.CrossEntropy })
            {
                context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Value("training.loss"),
                    "a one-to-many token model learns the next token's class, so it trains with 'loss: cross_entropy'");
            }
        }
        else
        {
            int width = spec.Output.Head == HeadKind.None ? spec.Layers[spec.Layers.Count - 1].SequenceWidth : spec.Output.Size;
            if (width != spec.Input.Features)
            {
                context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Key("output"),
                    string.Format(CultureInfo.InvariantCulture, "a one-to-many model feeds each output back as the next input, so the output must have the input's {0} values, not {1}; set 'size: {0}'", spec.Input.Features, width));
            }
        }
    }

    private static void CheckTokens(ModelSpec spec, ReadContext context)
    {
        if (spec.Input.Padding is { } padding && padding >= spec.Input.Vocab)
        {
            ReportToken(context, "input.padding", padding, spec.Input.Vocab, "vocab");
        }

        if (spec.Output.StartToken is { } start)
        {
            if (!spec.Input.IsTokens)
            {
                context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Key("output.start"),
                    "'output.start' is the token fed to the first generated step, so it needs token input; remove it or set 'input: { vocab: ..., embedding: ... }'");
            }
            else if (start >= spec.Input.Vocab)
            {
                ReportToken(context, "output.start", start, spec.Input.Vocab, "vocab");
            }
        }

        if (spec.Output.StopToken is { } stop)
        {
            if (spec.Output.Head != HeadKind.Softmax)
            {
                context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, context.Map.Key("output.stop"),
                    "'output.stop' is the class of the softmax head that ends generation, so it needs head: softmax; remove it or set 'output.head: softmax'");
            }
            else if (stop >= spec.Output.Size)
            {
                ReportToken(context, "output.stop", stop, spec.Output.Size, "size");
            }
        }
    }

    internal static void ReportToken(ReadContext context, string path, int token, int count, string limitKey) =>
        context.Diagnostics.Report(DiagnosticDescriptors.OutOfRange, context.Map.Value(path), Phrases.Quote(path),
            token.ToString(CultureInfo.InvariantCulture),
            string.Format(CultureInfo.InvariantCulture, "it must be between 0 and {0} (below {1}, which is {2})", count - 1, limitKey, count));

    private static void CheckParameterCount(ModelSpec spec, ReadContext context)
    {
        long count = ParameterCount.Of(spec);
        if (count <= SpecBounds.MaxParameters)
        {
            return;
        }

        context.Diagnostics.Report(DiagnosticDescriptors.OutOfRange, context.Map.Key(SpecKeys.Layers), "The model's parameter count",
            count.ToString("N0", CultureInfo.InvariantCulture),
            string.Format(CultureInfo.InvariantCulture, "it must be at most {0:N0}: use fewer or narrower layers, a smaller input or a smaller head", SpecBounds.MaxParameters));
    }

    /// <summary>Keeps every per-sequence buffer (steps × the widest vector of a step) far from <c>int.MaxValue</c>.</summary>
    private static void CheckSequenceElements(ModelSpec spec, ReadContext context)
    {
        var top = spec.Decoder?.Layers ?? spec.Layers;
        int outputWidth = spec.Output.Head == HeadKind.None ? top.Last().SequenceWidth : spec.Output.Size;
        if (spec.Decoder is { } decoder)
        {
            ReportIfTooMany(context, SpecKeys.Sequence, spec.Sequence, Widest(spec.Input, spec.Layers, 0));
            ReportIfTooMany(context, "output.length", spec.Output.Length, Widest(decoder.Input, decoder.Layers, outputWidth));
            return;
        }

        ReportIfTooMany(context, SpecKeys.Sequence, spec.Sequence, Widest(spec.Input, spec.Layers, outputWidth));
        if (spec.Output.Mode is OutputMode.OneToMany)
        {
            ReportIfTooMany(context, "output.length", spec.Output.Length, outputWidth);
        }
    }

    /// <summary>The widest vector one step of a stack holds: its input, its gates, its output or the head's.</summary>
    private static long Widest(InputSpec input, Common.EquatableArray<LayerSpec> layers, int outputWidth) => new long[]
    {
        input.Width,
        outputWidth,
        layers.Max(layer => (long)layer.Directions * layer.Gates * layer.Hidden),
        layers.Max(layer => (long)layer.SequenceWidth),
    }.Max();

    private static void ReportIfTooMany(ReadContext context, string path, int steps, long width)
    {
        long elements = steps * width;
        if (elements <= SpecBounds.MaxSequenceElements)
        {
            return;
        }

        context.Diagnostics.Report(DiagnosticDescriptors.OutOfRange, context.Map.Value(path), Phrases.Quote(path),
            string.Format(CultureInfo.InvariantCulture, "{0}, and with steps of up to {1} values that makes {2:N0} values per sequence", steps, width, elements),
            string.Format(CultureInfo.InvariantCulture, "keep steps × values per step at most {0:N0}: shorten the sequence or narrow the model", SpecBounds.MaxSequenceElements));
    }
}
