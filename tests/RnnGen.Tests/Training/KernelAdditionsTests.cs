using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>Kernels.AddScaled and the activations' backward functions against naive loops.</summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public class KernelAdditionsTests
{
    // Every length up to 70 crosses the vector loop and the scalar tail for vector widths of 2 to 16; 1000 runs long.
    public static IEnumerable<object[]> Lengths() => Enumerable.Range(0, 71).Append(1000).Select(n => new object[] { n });

    /// <summary>Each element is one fused multiply-add whatever its position (vector body or scalar tail), so the
    /// vectorized result must equal a naive loop of Math(F).FusedMultiplyAdd bit for bit.</summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void AddScaled_equals_a_naive_fused_loop(int length)
    {
        var random = new Random(length);
        float[] x = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] y = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        double[] xd = x.Select(v => (double)v * Math.PI).ToArray();
        double[] yd = y.Select(v => (double)v / 3).ToArray();
        float a = -0.37f;
        double ad = 1.0 / 7;
        float[] expected = y.Select((v, i) => MathF.FusedMultiplyAdd(a, x[i], v)).ToArray();
        double[] expectedD = yd.Select((v, i) => Math.FusedMultiplyAdd(ad, xd[i], v)).ToArray();

        Kernels.AddScaled(y, a, x);
        Kernels.AddScaled(yd, ad, xd);

        Assert.Equal(expected, y);
        Assert.Equal(expectedD, yd);
    }

    [Fact]
    public void AddScaled_rejects_different_lengths()
    {
        Assert.Throws<ArgumentException>(() => Kernels.AddScaled(new float[3], 1f, new float[4]));
        Assert.Throws<ArgumentException>(() => Kernels.AddScaled(new double[9], 1.0, new double[8]));
    }

    [Fact]
    public void SigmoidBackward_multiplies_by_the_derivative()
    {
        float[] p = [0.5f, 0.1f, 0.99f, 0f, 1f];
        float[] g = [1f, -2f, 3f, 4f, 5f];
        float[] expected = p.Select((v, i) => g[i] * (1 - v) * v).ToArray();

        Activations.SigmoidBackward(p, g);

        Assert.Equal(expected, g);
        Assert.Equal(0.25f, g[0]);
        Assert.Throws<ArgumentException>(() => Activations.SigmoidBackward(new double[2], new double[3]));
    }

    [Fact]
    public void SoftmaxBackward_projects_out_the_mean_gradient()
    {
        double[] p = [0.2, 0.3, 0.5];
        double[] g = [1.0, 1.0, 1.0];

        // A gradient equal in every direction does not change the softmax's output (it sums to 1), so it vanishes.
        Activations.SoftmaxBackward(p, g);
        Assert.All(g, v => Assert.Equal(0.0, v, 15));

        g = [1.0, 0.0, 0.0];
        Activations.SoftmaxBackward(p, g);
        Assert.Equal(0.2 * 0.8, g[0], 15);
        Assert.Equal(-0.3 * 0.2, g[1], 15);
        Assert.Equal(-0.5 * 0.2, g[2], 15);
        Assert.Throws<ArgumentException>(() => Activations.SoftmaxBackward(new float[2], new float[1]));
    }
}
