using System;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Runtime;

[Trait(TestCategory.Name, TestCategory.Numeric)]
public class ActivationsTests
{
    private static readonly double[] Grid = Enumerable.Range(-100_000, 200_001).Select(i => i / 100.0).ToArray(); // -1000..1000 by 0.01

    [Fact]
    public void Double_sigmoid_matches_the_textbook_formula_where_that_formula_is_accurate()
    {
        foreach (double x in Grid.Where(x => Math.Abs(x) <= 30))
        {
            // Near 0 both are accurate; for x < 0 the textbook form loses a little (1 + e^-x rounds), so allow 8 ulp.
            double expected = 1.0 / (1.0 + Math.Exp(-x));
            Assert.True(Math.Abs(Activations.Sigmoid(x) - expected) <= 8 * (Math.BitIncrement(expected) - expected),
                $"sigmoid({x}) = {Activations.Sigmoid(x):R}, expected {expected:R}");
        }
    }

    [Fact]
    public void Sigmoid_is_finite_and_saturates_for_large_inputs()
    {
        foreach (double x in Grid)
        {
            double d = Activations.Sigmoid(x);
            float f = Activations.Sigmoid((float)x);
            Assert.InRange(d, 0.0, 1.0);
            Assert.InRange(f, 0f, 1f);
            // sigmoid(x) + sigmoid(-x) = 1 exactly in real arithmetic.
            Assert.InRange(d + Activations.Sigmoid(-x), 1 - 1e-15, 1 + 1e-15);
        }

        Assert.Equal(1.0, Activations.Sigmoid(1000.0));
        Assert.Equal(0.0, Activations.Sigmoid(-1000.0));
        Assert.Equal(1f, Activations.Sigmoid(1000f));
        Assert.Equal(0f, Activations.Sigmoid(-1000f));
        Assert.Equal(1.0, Activations.Sigmoid(double.PositiveInfinity));
        Assert.Equal(0.0, Activations.Sigmoid(double.NegativeInfinity));
        // Deep in the tail the result is e^x to full relative accuracy (e^-700 is about 9.86e-305).
        Assert.Equal(Math.Exp(-700), Activations.Sigmoid(-700.0), 1e-318);
        Assert.True(double.IsNaN(Activations.Sigmoid(double.NaN)));
    }

    [Fact]
    public void Float_sigmoid_is_within_4_ulp_of_the_double_result()
    {
        // Down to -87 the result is a normal float (sigmoid(-87) is about 1.6e-38), so ulp distance is meaningful.
        foreach (double x in Grid.Where(x => x >= -87 && x <= 87))
        {
            float input = (float)x;
            float expected = (float)Activations.Sigmoid((double)input);
            Assert.True(UlpDistance(Activations.Sigmoid(input), expected) <= 4,
                $"sigmoid({input:R}f) = {Activations.Sigmoid(input):R}, expected {expected:R}");
        }
    }

    [Fact]
    public void Tanh_matches_math_and_saturates()
    {
        foreach (double x in Grid)
        {
            Assert.Equal(Math.Tanh(x), Activations.Tanh(x));
            float input = (float)x;
            float expected = (float)Math.Tanh(input);
            Assert.True(UlpDistance(Activations.Tanh(input), expected) <= 2, $"tanh({input:R}f)");
        }

        Assert.Equal(1f, Activations.Tanh(1000f));
        Assert.Equal(-1.0, Activations.Tanh(-1000.0));
    }

    [Fact]
    public void Softmax_matches_the_naive_double_formula_and_sums_to_one()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            int length = 1 + random.Next(40);
            double[] logits = Enumerable.Range(0, length).Select(_ => random.NextDouble() * 40 - 20).ToArray();
            double denominator = logits.Sum(Math.Exp);
            double[] expected = logits.Select(v => Math.Exp(v) / denominator).ToArray();

            double[] doubles = (double[])logits.Clone();
            float[] singles = logits.Select(v => (float)v).ToArray();
            Activations.Softmax(doubles);
            Activations.Softmax(singles.AsSpan());

            for (int i = 0; i < length; i++)
            {
                Assert.Equal(expected[i], doubles[i], 1e-14);
                // Rounding the logits to float moves each by up to 20 * 2^-24, each probability by about twice that,
                // relatively; float exp and sums add a few ulp more.
                Assert.InRange(singles[i], expected[i] * (1 - 1e-5) - 1e-30, expected[i] * (1 + 1e-5) + 1e-30);
            }

            Assert.Equal(1.0, doubles.Sum(), 1e-14);
            Assert.Equal(1.0, singles.Sum(v => (double)v), 1e-6);
        }
    }

    [Fact]
    public void Softmax_is_stable_for_huge_logits()
    {
        float[] singles = [1000f, 1000f, -1000f];
        double[] doubles = [-1000.0, 0.0, 1000.0, 1000.0 + Math.Log(3)];

        Activations.Softmax(singles.AsSpan());
        Activations.Softmax(doubles);

        Assert.Equal(new[] { 0.5f, 0.5f, 0f }, singles);
        Assert.Equal(0.0, doubles[0]);
        Assert.Equal(0.0, doubles[1]);
        // 1000 + ln 3 is rounded to a multiple of 2^-43 (1.1e-13), which bounds the accuracy of the 1:3 split.
        Assert.Equal(0.25, doubles[2], 1e-12);
        Assert.Equal(0.75, doubles[3], 1e-12);
    }

    [Fact]
    public void Softmax_of_nothing_and_of_one_value()
    {
        Activations.Softmax(Span<float>.Empty);
        double[] one = [-123.0];
        Activations.Softmax(one);
        Assert.Equal(1.0, one[0]);
    }

    private static int UlpDistance(float a, float b)
    {
        Assert.False(float.IsNaN(a));
        return Math.Abs(BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));
    }
}
