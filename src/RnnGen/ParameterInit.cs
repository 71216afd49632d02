using System;

namespace RnnGen;

/// <summary>
/// Fills parameter tensors from an <see cref="InitRandom"/>, one draw per element in span order, so a model's
/// initial values depend only on its seed and on <c>ParameterLayout</c> order.
/// </summary>
public static class ParameterInit
{
    /// <summary>Fills <paramref name="destination"/> from U(-bound, bound): each element is <c>bound * (2u - 1)</c>
    /// with <c>u = NextDouble()</c>, rounded to float.</summary>
    /// <param name="destination">The elements to overwrite.</param>
    /// <param name="bound">The half-width of the interval, finite and not negative.</param>
    /// <param name="random">The generator; advanced by one draw per element.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bound"/> is negative, infinite or NaN.</exception>
    public static void Uniform(Span<float> destination, double bound, ref InitRandom random)
    {
        CheckBound(bound);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)(bound * (2.0 * random.NextDouble() - 1.0));
        }
    }

    /// <summary>Fills <paramref name="destination"/> from U(-bound, bound): each element is <c>bound * (2u - 1)</c>
    /// with <c>u = NextDouble()</c>.</summary>
    /// <param name="destination">The elements to overwrite.</param>
    /// <param name="bound">The half-width of the interval, finite and not negative.</param>
    /// <param name="random">The generator; advanced by one draw per element.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bound"/> is negative, infinite or NaN.</exception>
    public static void Uniform(Span<double> destination, double bound, ref InitRandom random)
    {
        CheckBound(bound);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = bound * (2.0 * random.NextDouble() - 1.0);
        }
    }

    /// <summary>Fills <paramref name="destination"/> from N(0, 1) with <see cref="InitRandom.NextNormal"/>, rounded to float.</summary>
    /// <param name="destination">The elements to overwrite.</param>
    /// <param name="random">The generator; advanced by two draws per element.</param>
    public static void Normal(Span<float> destination, ref InitRandom random)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)random.NextNormal();
        }
    }

    /// <summary>Fills <paramref name="destination"/> from N(0, 1) with <see cref="InitRandom.NextNormal"/>.</summary>
    /// <param name="destination">The elements to overwrite.</param>
    /// <param name="random">The generator; advanced by two draws per element.</param>
    public static void Normal(Span<double> destination, ref InitRandom random)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = random.NextNormal();
        }
    }

    private static void CheckBound(double bound)
    {
        if (!double.IsFinite(bound) || bound < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "The bound must be finite and not negative.");
        }
    }
}
