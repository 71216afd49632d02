namespace RnnGen.Generators.Spec;

/// <summary>
/// Every limit a spec must stay within, in one place (docs/spec.md lists them). The reading
/// bounds keep any input from hanging or exhausting the compiler; the size bounds reject models
/// too large to be meant (and keep every size the emitter computes within an <c>int</c>).
/// </summary>
internal static class SpecBounds
{
    // Reading: a real spec is a few dozen lines, three levels deep, with well under 200 values.
    public const int MaxTextLength = 64 * 1024;
    public const int MaxDepth = 8;
    public const int MaxNodes = 4096;

    public const int MaxIdentifierLength = 512;

    public static readonly IntRange Features = new(1, 65_536);
    public static readonly IntRange Vocab = new(1, 1_000_000);
    public static readonly IntRange TokenId = new(0, 999_999);
    public static readonly IntRange Embedding = new(1, 65_536);
    public static readonly IntRange Sequence = new(1, 100_000);
    public static readonly IntRange Layers = new(1, 16);
    public static readonly IntRange Hidden = new(1, 4_096);
    public static readonly IntRange OutputSize = new(1, 65_536);
    public static readonly IntRange SoftmaxSize = new(2, 65_536);
    public static readonly IntRange OutputLength = new(1, 100_000);
    public static readonly IntRange Seed = new(int.MinValue, int.MaxValue);

    /// <summary>Parameters of the whole model (embedding, every layer, the head).</summary>
    public const long MaxParameters = 100_000_000;

    /// <summary>
    /// Values of the widest per-step vector (input, gate pre-activations, layer output, head output)
    /// over all steps: the buffers a sequence needs, which must stay far below <c>int.MaxValue</c>.
    /// </summary>
    public const long MaxSequenceElements = 100_000_000;
}
