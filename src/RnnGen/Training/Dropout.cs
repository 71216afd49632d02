using System;
using System.Numerics;

namespace RnnGen;

/// <summary>Inverted dropout masks drawn from the model's own seeded <see cref="InitRandom"/> (DESIGN.md: not
/// PyTorch's generator, so masks are reproducible in C# alone).</summary>
public static class Dropout
{
    /// <summary>Fills <paramref name="mask"/> for inverted dropout: element i is 0 when the i-th
    /// <see cref="InitRandom.NextDouble"/> draw <c>u</c> satisfies <c>u &lt; p</c>, else <c>1 / (1 - p)</c> (rounded
    /// to float), so that the expected value of every masked activation is unchanged. Exactly one draw per element,
    /// in order, also when <paramref name="p"/> is 0.</summary>
    /// <param name="mask">The mask to fill.</param>
    /// <param name="p">The probability of dropping an element, in [0, 1).</param>
    /// <param name="random">The generator; advanced by <c>mask.Length</c> draws.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1).</exception>
    public static void FillMask(Span<float> mask, double p, ref InitRandom random) => Fill(mask, p, ref random);

    /// <summary>Fills <paramref name="mask"/> for inverted dropout: element i is 0 when the i-th
    /// <see cref="InitRandom.NextDouble"/> draw <c>u</c> satisfies <c>u &lt; p</c>, else <c>1 / (1 - p)</c>, so that
    /// the expected value of every masked activation is unchanged. Exactly one draw per element, in order, also when
    /// <paramref name="p"/> is 0.</summary>
    /// <param name="mask">The mask to fill.</param>
    /// <param name="p">The probability of dropping an element, in [0, 1).</param>
    /// <param name="random">The generator; advanced by <c>mask.Length</c> draws.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1).</exception>
    public static void FillMask(Span<double> mask, double p, ref InitRandom random) => Fill(mask, p, ref random);

    private static void Fill<T>(Span<T> mask, double p, ref InitRandom random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(p >= 0.0 && p < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "The dropout probability must be in [0, 1).");
        }

        T kept = T.CreateTruncating(1.0 / (1.0 - p));
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextDouble() < p ? T.Zero : kept;
        }
    }
}
