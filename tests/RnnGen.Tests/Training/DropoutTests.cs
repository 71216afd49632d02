using System;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>Dropout masks: their values, their statistics and their determinism.</summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public class DropoutTests
{
    private const int Elements = 100_000;

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Masks_hold_only_zero_or_the_inverse_keep_rate_and_drop_about_p(double p)
    {
        var mask = new float[Elements];
        var random = new InitRandom(17);

        Dropout.FillMask(mask, p, ref random);

        float kept = (float)(1.0 / (1.0 - p));
        Assert.All(mask, m => Assert.True(m == 0f || m == kept, $"mask value {m}"));
        // The number dropped is Binomial(n, p): within 5 standard deviations sqrt(n p (1 - p)) of n p.
        int dropped = mask.Count(m => m == 0f);
        double sigma = Math.Sqrt(Elements * p * (1 - p));
        Assert.InRange(dropped, (Elements * p) - (5 * sigma), (Elements * p) + (5 * sigma));
    }

    [Fact]
    public void Double_masks_hold_the_exact_inverse_keep_rate()
    {
        var mask = new double[1000];
        var random = new InitRandom(1);

        Dropout.FillMask(mask, 0.3, ref random);

        Assert.All(mask, m => Assert.True(m == 0.0 || m == 1.0 / 0.7));
        Assert.Contains(0.0, mask);
    }

    [Fact]
    public void The_same_seed_gives_the_same_mask_and_another_seed_another()
    {
        float[] a = new float[1000], b = new float[1000], c = new float[1000];
        var first = new InitRandom(5);
        var second = new InitRandom(5);
        var third = new InitRandom(6);

        Dropout.FillMask(a, 0.5, ref first);
        Dropout.FillMask(b, 0.5, ref second);
        Dropout.FillMask(c, 0.5, ref third);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Each_element_takes_exactly_one_draw_in_order_even_at_p_zero()
    {
        var mask = new double[10];
        var random = new InitRandom(9);
        var reference = new InitRandom(9);
        double[] draws = Enumerable.Range(0, 10).Select(_ => reference.NextDouble()).ToArray();

        Dropout.FillMask(mask, 0.0, ref random);

        Assert.All(mask, m => Assert.Equal(1.0, m));
        Assert.Equal(reference.NextUInt64(), random.NextUInt64());

        random = new InitRandom(9);
        Dropout.FillMask(mask, 0.4, ref random);
        Assert.Equal(draws.Select(u => u < 0.4 ? 0.0 : 1.0 / 0.6), mask);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void The_probability_must_be_in_zero_to_one(double p)
    {
        var random = new InitRandom(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.FillMask(new float[3], p, ref random));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.FillMask(new double[3], p, ref random));
    }
}
