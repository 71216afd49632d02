using System;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>Sampling: greedy is the first maximum; temperature reshapes p as p^(1/T); draws follow the distribution.</summary>
public sealed class SamplingTests
{
    [Fact]
    public void Argmax_takes_the_first_of_equal_maxima()
    {
        Assert.Equal(1, Sampling.ArgMax(new[] { 0.1f, 0.4f, 0.4f, 0.1f }));
        Assert.Equal(2, Sampling.ArgMax(new[] { 0.1, 0.2, 0.7 }));
        Assert.Throws<ArgumentException>(() => Sampling.ArgMax(ReadOnlySpan<float>.Empty));
    }

    [Fact]
    public void Temperature_zero_is_greedy_and_draws_nothing()
    {
        var random = new InitRandom(5);
        var copy = random;
        Assert.Equal(2, Sampling.Choose(new[] { 0.2f, 0.3f, 0.5f }, 0, ref random));
        Assert.Equal(copy.NextUInt64(), random.NextUInt64());
    }

    /// <summary>100,000 draws; each frequency within 5 standard deviations of p^(1/T) normalized.</summary>
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(2.0)]
    public void Draws_follow_the_tempered_distribution(double temperature)
    {
        double[] p = { 0.5, 0.3, 0.15, 0.05 };
        double[] expected = new double[p.Length];
        double total = 0;
        for (int i = 0; i < p.Length; i++)
        {
            expected[i] = Math.Pow(p[i], 1 / temperature);
            total += expected[i];
        }

        int[] counts = new int[p.Length];
        var random = new InitRandom(42);
        const int Draws = 100_000;
        for (int n = 0; n < Draws; n++)
        {
            counts[Sampling.Choose(p, temperature, ref random)]++;
        }

        for (int i = 0; i < p.Length; i++)
        {
            double q = expected[i] / total;
            double sigma = Math.Sqrt(Draws * q * (1 - q));
            Assert.InRange(counts[i], (Draws * q) - (5 * sigma), (Draws * q) + (5 * sigma));
        }
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Bad_temperatures_are_rejected(double temperature)
    {
        var random = new InitRandom(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Choose(new[] { 1f }, temperature, ref random));
    }
}
