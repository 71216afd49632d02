using System;
using System.Runtime.CompilerServices;

namespace RnnGen;

/// <summary>Activation functions with the numerics the generated code relies on.</summary>
public static class Activations
{
    /// <summary>The logistic function 1 / (1 + e^-x), computed from e^-|x| so no intermediate overflows:
    /// finite for every finite input, within a few ulp of the exact value.</summary>
    /// <param name="x">The input.</param>
    /// <returns>A value in [0, 1].</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x)
    {
        if (x >= 0f)
        {
            return 1f / (1f + MathF.Exp(-x));
        }

        float e = MathF.Exp(x);
        return e / (1f + e);
    }

    /// <summary>The logistic function 1 / (1 + e^-x), computed from e^-|x| so no intermediate overflows.</summary>
    /// <param name="x">The input.</param>
    /// <returns>A value in [0, 1].</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sigmoid(double x)
    {
        if (x >= 0.0)
        {
            return 1.0 / (1.0 + Math.Exp(-x));
        }

        double e = Math.Exp(x);
        return e / (1.0 + e);
    }

    /// <summary>The hyperbolic tangent (<see cref="MathF.Tanh"/>).</summary>
    /// <param name="x">The input.</param>
    /// <returns>A value in [-1, 1].</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);

    /// <summary>The hyperbolic tangent (<see cref="Math.Tanh"/>).</summary>
    /// <param name="x">The input.</param>
    /// <returns>A value in [-1, 1].</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Tanh(double x) => Math.Tanh(x);

    /// <summary>Replaces <paramref name="values"/> by their softmax, e^(v - max) / sum e^(v - max): subtracting the
    /// maximum keeps every exponent at most 0, so large logits cannot overflow. An empty span is left as is.</summary>
    /// <param name="values">The logits, overwritten with probabilities that sum to 1.</param>
    public static void Softmax(Span<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        float max = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            max = MathF.Max(max, values[i]);
        }

        float sum = 0f;
        for (int i = 0; i < values.Length; i++)
        {
            float e = MathF.Exp(values[i] - max);
            values[i] = e;
            sum += e;
        }

        for (int i = 0; i < values.Length; i++)
        {
            values[i] /= sum;
        }
    }

    /// <summary>Replaces <paramref name="values"/> by their softmax, e^(v - max) / sum e^(v - max): subtracting the
    /// maximum keeps every exponent at most 0, so large logits cannot overflow. An empty span is left as is.</summary>
    /// <param name="values">The logits, overwritten with probabilities that sum to 1.</param>
    public static void Softmax(Span<double> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        double max = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            max = Math.Max(max, values[i]);
        }

        double sum = 0.0;
        for (int i = 0; i < values.Length; i++)
        {
            double e = Math.Exp(values[i] - max);
            values[i] = e;
            sum += e;
        }

        for (int i = 0; i < values.Length; i++)
        {
            values[i] /= sum;
        }
    }
}
