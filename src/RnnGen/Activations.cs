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

    /// <summary>Backpropagates through <see cref="Sigmoid(float)"/> given its outputs: <c>g[i] = g[i] * (1 - p[i]) * p[i]</c>,
    /// in PyTorch's order of operations (<c>sigmoid_backward</c>). For a loss taken on a sigmoid head's output.</summary>
    /// <param name="probabilities">The sigmoid's outputs <c>p</c>.</param>
    /// <param name="gradient">On entry dLoss/dp, on return dLoss/d(logits); as long as <paramref name="probabilities"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void SigmoidBackward(ReadOnlySpan<float> probabilities, Span<float> gradient)
    {
        CheckBackwardLengths(probabilities.Length, gradient.Length);
        for (int i = 0; i < gradient.Length; i++)
        {
            float p = probabilities[i];
            gradient[i] = gradient[i] * (1f - p) * p;
        }
    }

    /// <summary>Backpropagates through <see cref="Sigmoid(double)"/> given its outputs: <c>g[i] = g[i] * (1 - p[i]) * p[i]</c>,
    /// in PyTorch's order of operations (<c>sigmoid_backward</c>). For a loss taken on a sigmoid head's output.</summary>
    /// <param name="probabilities">The sigmoid's outputs <c>p</c>.</param>
    /// <param name="gradient">On entry dLoss/dp, on return dLoss/d(logits); as long as <paramref name="probabilities"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void SigmoidBackward(ReadOnlySpan<double> probabilities, Span<double> gradient)
    {
        CheckBackwardLengths(probabilities.Length, gradient.Length);
        for (int i = 0; i < gradient.Length; i++)
        {
            double p = probabilities[i];
            gradient[i] = gradient[i] * (1.0 - p) * p;
        }
    }

    /// <summary>Backpropagates through <see cref="Softmax(Span{float})"/> of one row given its outputs:
    /// <c>g[i] = p[i] * (g[i] - sum_j g[j] p[j])</c> (PyTorch's <c>_softmax_backward_data</c>), the inner product
    /// accumulated in double. Call it once per softmax row. For a loss taken on a softmax head's output.</summary>
    /// <param name="probabilities">The softmax's outputs <c>p</c> for one row.</param>
    /// <param name="gradient">On entry dLoss/dp, on return dLoss/d(logits); as long as <paramref name="probabilities"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void SoftmaxBackward(ReadOnlySpan<float> probabilities, Span<float> gradient)
    {
        CheckBackwardLengths(probabilities.Length, gradient.Length);
        double dot = 0.0;
        for (int i = 0; i < gradient.Length; i++)
        {
            dot += (double)gradient[i] * probabilities[i];
        }

        float inner = (float)dot;
        for (int i = 0; i < gradient.Length; i++)
        {
            gradient[i] = probabilities[i] * (gradient[i] - inner);
        }
    }

    /// <summary>Backpropagates through <see cref="Softmax(Span{double})"/> of one row given its outputs:
    /// <c>g[i] = p[i] * (g[i] - sum_j g[j] p[j])</c> (PyTorch's <c>_softmax_backward_data</c>). Call it once per
    /// softmax row. For a loss taken on a softmax head's output.</summary>
    /// <param name="probabilities">The softmax's outputs <c>p</c> for one row.</param>
    /// <param name="gradient">On entry dLoss/dp, on return dLoss/d(logits); as long as <paramref name="probabilities"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void SoftmaxBackward(ReadOnlySpan<double> probabilities, Span<double> gradient)
    {
        CheckBackwardLengths(probabilities.Length, gradient.Length);
        double inner = 0.0;
        for (int i = 0; i < gradient.Length; i++)
        {
            inner += gradient[i] * probabilities[i];
        }

        for (int i = 0; i < gradient.Length; i++)
        {
            gradient[i] = probabilities[i] * (gradient[i] - inner);
        }
    }

    private static void CheckBackwardLengths(int probabilities, int gradient)
    {
        if (probabilities != gradient)
        {
            throw new ArgumentException($"The probabilities and the gradient have different lengths ({probabilities} and {gradient}).");
        }
    }
}
