using System;
using Xunit.Sdk;

namespace RnnGen.Tests.Numerics;

/// <summary>
/// The parity tolerances of the contract: float32 within 1e-5 absolute + 1e-4 relative (a few
/// ulps of float32 accumulated over short dot products and transcendental functions), float64 within
/// 1e-10 + 1e-9 (summation order alone differs from PyTorch's BLAS).
/// </summary>
public readonly record struct Tolerance(double Absolute, double Relative)
{
    public static readonly Tolerance Float32 = new(1e-5, 1e-4);

    public static readonly Tolerance Float64 = new(1e-10, 1e-9);

    public static Tolerance For<T>() => typeof(T) == typeof(float) ? Float32 : Float64;

    /// <summary>Fails, naming the worst element, unless every <paramref name="actual"/> is within tolerance of <paramref name="expected"/>.</summary>
    /// <returns>The largest absolute error.</returns>
    public double AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string what)
    {
        if (expected.Length != actual.Length)
        {
            throw new XunitException($"{what}: expected {expected.Length} values, got {actual.Length}");
        }

        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]);
            if (!(error <= Absolute + (Relative * Math.Abs(expected[i]))))
            {
                throw new XunitException($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (error {error:E3} over {Absolute:E0} + {Relative:E0}*|x|)");
            }

            worst = Math.Max(worst, error);
        }

        return worst;
    }
}
