using System.Collections.Generic;

namespace RnnGen.Generators.Spec;

/// <summary>
/// What <c>unroll: full</c> costs: it writes the k loops of the forward products out (one statement per input and
/// vector accumulator), so the largest method is a layer's input or recurrent product on the narrowest vector path
/// (Vector128). Above about 60,000 bytes of IL the JIT stops optimizing a method (STYLE.md, "Stay within the JIT's
/// optimizing limits"); such a spec keeps its loops and gets RNN0017.
/// </summary>
internal static class UnrollBudget
{
    /// <summary>The IL size of a method the JIT still compiles with optimization.</summary>
    public const long MethodBytes = 60_000;

    /// <summary>
    /// About 24 bytes of IL per multiply-add written out: the reference and its constant offset, the load, the
    /// broadcast x and the accumulator, the fused multiply-add and the store back to the accumulator.
    /// </summary>
    private const long BytesPerMultiplyAdd = 24;

    /// <summary>Whether the emitter writes the products out: <c>unroll: full</c> within the budget.</summary>
    public static bool UnrollsProducts(ModelSpec spec) => spec.Unroll == UnrollMode.Full && LargestMethodBytes(spec) <= MethodBytes;

    /// <summary>The estimated IL of the largest unrolled product method of the spec (both stacks of an encoder-decoder).</summary>
    public static long LargestMethodBytes(ModelSpec spec)
    {
        int lanes = 128 / (spec.Precision == Precision.Float64 ? 64 : 32);
        long largest = Largest(spec.Input.Width, spec.Layers, lanes);
        if (spec.Decoder is not null)
        {
            largest = System.Math.Max(largest, Largest(spec.Decoder.Input.Width, spec.Decoder.Layers, lanes));
        }

        return largest * BytesPerMultiplyAdd;
    }

    private static long Largest(int input, IEnumerable<LayerSpec> layers, int lanes)
    {
        long largest = 0;
        foreach (LayerSpec layer in layers)
        {
            long vectors = ((long)layer.Gates * layer.Hidden + lanes - 1) / lanes;
            largest = System.Math.Max(largest, vectors * System.Math.Max(input, layer.OutputWidth));
            input = layer.SequenceWidth;
        }

        return largest;
    }
}
