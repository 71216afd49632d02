using System;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Runtime;

public class ParameterInitTests
{
    [Fact]
    public void Uniform_follows_the_documented_formula()
    {
        // Computed in Python from docs/initialization.md: bound * (2u - 1) with the first draws of seed 0.
        var random = new InitRandom(0);
        var values = new double[3];
        ParameterInit.Uniform(values, 0.5, ref random);

        Assert.Equal(new[] { 0.3833108082136426, -0.06847200295149003, -0.47356622840740226 }, values);
        Assert.Equal(Advance(new InitRandom(0), 3), random.NextUInt64());
    }

    [Fact]
    public void Float_uniform_stays_within_and_covers_the_bound()
    {
        // PyTorch's bound for hidden size 32.
        double bound = 1 / Math.Sqrt(32);
        var random = new InitRandom(5);
        var values = new float[100_000];
        ParameterInit.Uniform(values, bound, ref random);

        Assert.All(values, v => Assert.InRange(v, -(float)bound, (float)bound));
        // With 1e5 draws the probability that none falls within 0.1% of an end is (0.9995)^1e5, about 2e-22.
        Assert.True(values.Min() < -0.999 * bound);
        Assert.True(values.Max() > 0.999 * bound);
        // Mean 0 with sd bound / sqrt(3 n) = 3.2e-4 at this bound; five standard errors.
        Assert.InRange(values.Average(v => (double)v), -5 * 3.2e-4, 5 * 3.2e-4);
    }

    [Fact]
    public void Double_uniform_stays_within_and_covers_the_bound()
    {
        var random = new InitRandom(6);
        var values = new double[100_000];
        ParameterInit.Uniform(values, 3.0, ref random);

        Assert.All(values, v => Assert.InRange(v, -3.0, 3.0));
        Assert.True(values.Min() < -0.999 * 3.0);
        Assert.True(values.Max() > 0.999 * 3.0);
        // Variance bound^2 / 3 = 3; sd(variance) = sqrt((bound^4/5 - bound^4/9) / n) = 8.5e-3.
        (_, double variance) = InitRandomTests.Moments(values);
        Assert.InRange(variance, 3 - 5 * 8.5e-3, 3 + 5 * 8.5e-3);
    }

    [Fact]
    public void Normal_fills_with_standard_normal_draws_two_words_each()
    {
        var random = new InitRandom(9);
        var reference = new InitRandom(9);
        var singles = new float[4];
        var doubles = new double[4];
        ParameterInit.Normal(singles, ref random);
        ParameterInit.Normal(doubles, ref random);

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal((float)reference.NextNormal(), singles[i]);
        }

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(reference.NextNormal(), doubles[i]);
        }

        Assert.Equal(Advance(new InitRandom(9), 16), random.NextUInt64());
    }

    [Fact]
    public void Normal_float_fill_has_unit_variance()
    {
        var random = new InitRandom(10);
        var values = new float[100_000];
        ParameterInit.Normal(values, ref random);

        (double mean, double variance) = InitRandomTests.Moments(values.Select(v => (double)v).ToArray());
        Assert.InRange(mean, -5 * 3.2e-3, 5 * 3.2e-3);
        Assert.InRange(variance, 1 - 5 * 4.5e-3, 1 + 5 * 4.5e-3);
    }

    [Fact]
    public void Rejects_a_bound_that_is_negative_or_not_finite()
    {
        var random = new InitRandom(0);
        var values = new float[2];
        Assert.Throws<ArgumentOutOfRangeException>(() => ParameterInit.Uniform(values, -1, ref random));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParameterInit.Uniform(values, double.NaN, ref random));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParameterInit.Uniform(new double[2], double.PositiveInfinity, ref random));
    }

    /// <summary>The word a fresh generator yields after skipping <paramref name="count"/> words.</summary>
    private static ulong Advance(InitRandom random, int count)
    {
        for (int i = 0; i < count; i++)
        {
            random.NextUInt64();
        }

        return random.NextUInt64();
    }
}
