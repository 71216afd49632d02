using System.Linq;

namespace RnnGen.Generators.Spec;

/// <summary>How many parameters a spec's model holds, with PyTorch's tensor shapes (DESIGN.md, "Parameter names").</summary>
internal static class ParameterCount
{
    public static long Of(ModelSpec spec)
    {
        long count = OfStack(spec.Input, spec.Layers);
        var top = spec.Layers;
        if (spec.Decoder is { } decoder)
        {
            count += OfStack(decoder.Input, decoder.Layers);
            if (decoder.Bridge)
            {
                long encoderStates = spec.Layers.Sum(layer => (long)layer.SequenceWidth);
                long hidden = BridgeHiddenSize(decoder);
                long cell = BridgeCellSize(decoder);
                count += ((encoderStates + 1) * hidden) + (cell == 0 ? 0 : (encoderStates + 1) * cell);
            }

            top = decoder.Layers;
        }

        if (spec.Output.Head != HeadKind.None)
        {
            count += ((long)spec.Output.Size * top.Last().SequenceWidth) + spec.Output.Size;
        }

        return count;
    }

    /// <summary>Outputs of <c>bridge.hidden</c>: every decoder layer's h.</summary>
    public static int BridgeHiddenSize(DecoderSpec decoder) => decoder.Layers.Sum(layer => layer.SequenceWidth);

    /// <summary>Outputs of <c>bridge.cell</c>: every lstm decoder layer's c; 0 (no such tensor) without lstm layers.</summary>
    public static int BridgeCellSize(DecoderSpec decoder) => decoder.Layers.Where(layer => layer.Cell == CellKind.Lstm).Sum(layer => layer.Hidden);

    private static long OfStack(InputSpec input, Common.EquatableArray<LayerSpec> layers)
    {
        long count = input.IsTokens ? (long)input.Vocab * input.Embedding : 0;
        long inputWidth = input.Width;
        foreach (LayerSpec layer in layers)
        {
            count += layer.Directions * OfDirection(layer, inputWidth);
            inputWidth = layer.SequenceWidth;
        }

        return count;
    }

    private static long OfDirection(LayerSpec layer, long inputWidth)
    {
        long rows = (long)layer.Gates * layer.Hidden;
        long count = (rows * inputWidth) + (rows * layer.OutputWidth); // weight_ih, weight_hh
        if (layer.Bias)
        {
            count += 2 * rows; // bias_ih, bias_hh
        }

        if (layer.Projection > 0)
        {
            count += (long)layer.Projection * layer.Hidden; // weight_hr
        }

        if (layer.Peepholes)
        {
            count += 3L * layer.Hidden; // weight_peephole: rows i, f, o
        }

        return count;
    }
}
