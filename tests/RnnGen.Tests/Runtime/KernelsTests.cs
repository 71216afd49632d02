using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Runtime;

[Trait(TestCategory.Name, TestCategory.Numeric)]
public class KernelsTests
{
    // Every length up to 70 crosses the vector tail, the one-vector loop and the four-vector loop for vector widths
    // of 4, 8 and 16 floats; 1000 runs the main loop for a while.
    public static IEnumerable<object[]> Lengths() => Enumerable.Range(0, 71).Append(1000).Select(n => new object[] { n });

    /// <summary>
    /// Any order of n float additions of products is within n * 2^-24 * sum|x*y| of the exact result (Higham, Accuracy
    /// and Stability of Numerical Algorithms, 3.1: gamma_n, with one more rounding for the products). The reference
    /// sums exact products (float*float fits in a double) in double, whose own error is negligible here.
    /// </summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void Float_dot_matches_a_double_loop(int length)
    {
        var random = new Random(length);
        float[] x = RandomSingles(random, length);
        float[] y = RandomSingles(random, length);
        double exact = 0, magnitude = 0;
        for (int i = 0; i < length; i++)
        {
            exact += (double)x[i] * y[i];
            magnitude += Math.Abs((double)x[i] * y[i]);
        }

        float dot = Kernels.Dot(x, y);

        Assert.InRange(dot - exact, -Bound(length, magnitude, Math.ScaleB(1.0, -24)), Bound(length, magnitude, Math.ScaleB(1.0, -24)));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Double_dot_matches_an_exact_sum(int length)
    {
        // Values are multiples of 2^-10 below 2^3, so every product and every partial sum is exact in double: the
        // vectorized sum must equal the loop's bit for bit.
        var random = new Random(length + 1000);
        double[] x = Enumerable.Range(0, length).Select(_ => random.Next(-8192, 8192) / 1024.0).ToArray();
        double[] y = Enumerable.Range(0, length).Select(_ => random.Next(-8192, 8192) / 1024.0).ToArray();
        double exact = 0;
        for (int i = 0; i < length; i++)
        {
            exact += x[i] * y[i];
        }

        Assert.Equal(exact, Kernels.Dot(x, y));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(70)]
    [InlineData(1000)]
    public void Double_dot_of_inexact_values_is_within_the_error_bound(int length)
    {
        var random = new Random(length + 2000);
        double[] x = Enumerable.Range(0, length).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] y = Enumerable.Range(0, length).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double magnitude = 0;
        for (int i = 0; i < length; i++)
        {
            magnitude += Math.Abs(x[i] * y[i]);
        }

        double error = Kernels.Dot(x, y) - CompensatedDot(x, y);

        Assert.InRange(error, -Bound(length, magnitude, Math.ScaleB(1.0, -53)), Bound(length, magnitude, Math.ScaleB(1.0, -53)));
    }

    [Fact]
    public void Lengths_must_match()
    {
        Assert.Throws<ArgumentException>(() => Kernels.Dot(new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => Kernels.Dot(new double[17], new double[16]));
    }

    /// <summary>Ogita, Rump and Oishi's Dot2 (SIAM J. Sci. Comput. 26, 2005): error-free products (FMA) and sums
    /// (TwoSum) make the result as accurate as a loop in twice the working precision, so its own error is far below
    /// the bound being checked.</summary>
    private static double CompensatedDot(double[] x, double[] y)
    {
        double sum = 0, compensation = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double product = x[i] * y[i];
            double productError = Math.FusedMultiplyAdd(x[i], y[i], -product);
            double next = sum + product;
            double z = next - sum;
            double sumError = (sum - (next - z)) + (product - z);
            sum = next;
            compensation += sumError + productError;
        }

        return sum + compensation;
    }

    /// <summary>Every element lands where the layout of <c>PackTransposed</c>'s documentation puts it: shapes smaller
    /// than, equal to and across the 16 x 16 copy tiles, panels narrower than the matrix, and a last partial panel.</summary>
    [Theory]
    [InlineData(1, 1, 64)]
    [InlineData(7, 5, 64)]
    [InlineData(16, 16, 16)]
    [InlineData(37, 23, 16)]
    [InlineData(1040, 260, 64)]
    [InlineData(200, 17, 48)]
    public void Pack_transposed_puts_every_weight_in_its_panel(int outputs, int inputs, int panelWidth)
    {
        int[] weight = Enumerable.Range(0, outputs * inputs).ToArray();
        int[] packed = new int[weight.Length];
        Kernels.PackTransposed<int>(weight, outputs, inputs, panelWidth, packed);
        for (int n = 0; n < outputs; n++)
        {
            int panelStart = n / panelWidth * panelWidth;
            int width = Math.Min(panelWidth, outputs - panelStart);
            for (int k = 0; k < inputs; k++)
            {
                Assert.Equal(weight[(n * inputs) + k], packed[(panelStart * inputs) + (k * width) + (n - panelStart)]);
            }
        }
    }

    private static double Bound(int length, double magnitude, double unitRoundoff) =>
        (length + 1) * unitRoundoff * magnitude * 1.01;

    private static float[] RandomSingles(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
}
