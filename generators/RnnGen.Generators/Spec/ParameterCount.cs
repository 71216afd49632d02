using System.Linq;

namespace RnnGen.Generators.Spec;

/// <summary>How many parameters a spec's model holds, with PyTorch's tensor shapes (DESIGN.md, "Parameter names").</summary>
internal static class ParameterCount
{
    public static long Of(ModelSpec spec)
    {
        long count = spec.Input.IsTokens ? (long)spec.Input.Vocab * spec.Input.Embedding : 0;
        long inputWidth = spec.Input.Width;
        foreach (LayerSpec layer in spec.Layers)
        {
            count += layer.Directions * OfDirection(layer, inputWidth);
            inputWidth = layer.SequenceWidth;
        }

        if (spec.Output.Head != HeadKind.None)
        {
            count += ((long)spec.Output.Size * spec.Layers.Last().SequenceWidth) + spec.Output.Size;
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
