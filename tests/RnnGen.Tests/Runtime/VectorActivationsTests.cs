using System;
using System.Runtime.Intrinsics;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>
/// The vectorized float sigmoid and tanh against <see cref="Math"/> in double: the error bound the SIMD paths
/// promise (relative error at most 3e-7, issue 6), their limits and NaN, on every vector width.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class VectorActivationsTests
{
    private const double Bound = 3e-7;

    [Fact]
    public void Sigmoid_and_tanh_are_within_3e7_relative_over_a_dense_sweep()
    {
        double worstSigmoid = 0, worstTanh = 0;
        var inputs = new float[16];
        for (double start = -30; start < 30; start += 16e-4)
        {
            for (int i = 0; i < 16; i++)
            {
                inputs[i] = (float)(start + (i * 1e-4));
            }

            Check(inputs, ref worstSigmoid, ref worstTanh);
        }

        // tiny inputs, where tanh must be x, not 0 or 1 - 1
        for (double x = 1e-30; x < 1e-2; x *= 1.05)
        {
            inputs.AsSpan().Fill((float)x);
            Check(inputs, ref worstSigmoid, ref worstTanh);
            inputs.AsSpan().Fill((float)-x);
            Check(inputs, ref worstSigmoid, ref worstTanh);
        }

        Assert.True(worstSigmoid <= Bound, $"sigmoid: worst relative error {worstSigmoid:E2}");
        Assert.True(worstTanh <= Bound, $"tanh: worst relative error {worstTanh:E2}");
        Assert.True(worstTanh > 0 && worstSigmoid > 0, "a polynomial that matched Math exactly everywhere would be suspicious");
    }

    [Fact]
    public void Limits_and_NaN()
    {
        Vector512<float> x = Vector512.Create(float.PositiveInfinity, float.NegativeInfinity, float.NaN, 100f, -100f, 0f, -0f, 88.5f, -88.5f, 1f, -1f, 20f, -20f, 9f, -9f, 0.5f);
        Vector512<float> s = VectorActivations.Sigmoid(x);
        Vector512<float> t = VectorActivations.Tanh(x);
        Assert.Equal(1f, s[0]);
        Assert.True(s[1] >= 0f && s[1] < 1e-37f);
        Assert.True(float.IsNaN(s[2]));
        Assert.Equal(1f, s[3]);
        Assert.True(s[4] >= 0f && s[4] < 1e-37f);
        Assert.Equal(0.5f, s[5]);
        Assert.Equal(1f, t[0]);
        Assert.Equal(-1f, t[1]);
        Assert.True(float.IsNaN(t[2]));
        Assert.Equal(1f, t[3]);
        Assert.Equal(-1f, t[4]);
        Assert.Equal(0f, t[5]);
        Assert.Equal(-0f, t[6]);
    }

    private static void Check(float[] inputs, ref double worstSigmoid, ref double worstTanh)
    {
        Vector512<float> x512 = Vector512.Create(inputs);
        Vector256<float> x256 = Vector256.Create(inputs);
        Vector128<float> x128 = Vector128.Create(inputs);
        Vector512<float> s512 = VectorActivations.Sigmoid(x512), t512 = VectorActivations.Tanh(x512);
        Vector256<float> s256 = VectorActivations.Sigmoid(x256), t256 = VectorActivations.Tanh(x256);
        Vector128<float> s128 = VectorActivations.Sigmoid(x128), t128 = VectorActivations.Tanh(x128);
        for (int i = 0; i < 16; i++)
        {
            double x = inputs[i];
            double sigmoid = 1 / (1 + Math.Exp(-x));
            double tanh = Math.Tanh(x);
            worstSigmoid = Math.Max(worstSigmoid, Relative(s512[i], sigmoid));
            worstTanh = Math.Max(worstTanh, Relative(t512[i], tanh));
            if (i < 8)
            {
                worstSigmoid = Math.Max(worstSigmoid, Relative(s256[i], sigmoid));
                worstTanh = Math.Max(worstTanh, Relative(t256[i], tanh));
            }

            if (i < 4)
            {
                worstSigmoid = Math.Max(worstSigmoid, Relative(s128[i], sigmoid));
                worstTanh = Math.Max(worstTanh, Relative(t128[i], tanh));
            }
        }
    }

    private static double Relative(float actual, double expected) =>
        expected == 0 ? Math.Abs(actual) : Math.Abs(actual - expected) / Math.Abs(expected);
}
