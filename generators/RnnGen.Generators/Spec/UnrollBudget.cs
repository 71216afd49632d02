namespace RnnGen.Generators.Spec;

/// <summary>
/// What full unrolling would cost: the IL of one method that runs every step of every layer with its
/// inner products written out, against the size above which the JIT stops optimizing a method
/// (about 60,000 bytes of IL; STYLE.md, "Stay within the JIT's optimizing limits").
/// </summary>
internal static class UnrollBudget
{
    /// <summary>The IL size of a method the JIT still compiles with optimization.</summary>
    public const long MethodBytes = 60_000;

    /// <summary>
    /// About 8 bytes of IL per multiply-add written out (two loads, a multiply, an add, with short
    /// local and constant forms): every gate row of every step reads the step's input and h'.
    /// </summary>
    private const long BytesPerMultiplyAdd = 8;

    public static long FullyUnrolledBytes(ModelSpec spec)
    {
        long total = 0;
        long input = spec.Input.Width;
        foreach (LayerSpec layer in spec.Layers)
        {
            long rows = (long)layer.Gates * layer.Hidden;
            total += (long)spec.Sequence * layer.Directions * rows * (input + layer.OutputWidth);
            input = layer.SequenceWidth;
        }

        return total * BytesPerMultiplyAdd;
    }
}
