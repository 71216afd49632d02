using System;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>The losses' edge cases: bad class targets, all steps ignored, lengths, extreme logits.</summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public class LossArgumentTests
{
    [Theory]
    [InlineData(5)]
    [InlineData(-1)]
    [InlineData(-101)]
    [InlineData(int.MaxValue)]
    public void Cross_entropy_rejects_a_target_outside_the_classes_naming_the_step_before_writing(int bad)
    {
        float[] logits = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5];
        float[] gradient = new float[15];
        gradient.AsSpan().Fill(42f);

        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.CrossEntropy(logits, [0, Losses.IgnoreIndex, bad], 5, gradient));

        Assert.Contains("step 2", error.Message, StringComparison.Ordinal);
        Assert.Equal("target", error.ParamName);
        Assert.All(gradient, g => Assert.Equal(42f, g));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.CrossEntropy(new double[15], [bad, 0, 0], 5, new double[15]));
    }

    [Fact]
    public void Cross_entropy_with_every_step_ignored_is_zero_with_a_zero_gradient()
    {
        float[] gradient = new float[6];
        gradient.AsSpan().Fill(float.NaN);
        double[] gradient64 = new double[6];
        gradient64.AsSpan().Fill(double.NaN);

        Assert.Equal(0f, Losses.CrossEntropy([1, 2, 3, 4, 5, 6], [Losses.IgnoreIndex, Losses.IgnoreIndex], 3, gradient));
        Assert.Equal(0.0, Losses.CrossEntropy([1, 2, 3, 4, 5, 6], [Losses.IgnoreIndex, Losses.IgnoreIndex], 3, gradient64));
        Assert.All(gradient, g => Assert.Equal(0f, g));
        Assert.All(gradient64, g => Assert.Equal(0.0, g));
        Assert.Equal(0f, Losses.CrossEntropy(ReadOnlySpan<float>.Empty, [], 3, Span<float>.Empty));
    }

    [Fact]
    public void Cross_entropy_is_the_mean_over_the_steps_that_count()
    {
        // Two labelled steps of equal logits: each loses log(2), the mean is log(2) whatever the ignored step holds.
        double[] gradient = new double[6];
        double loss = Losses.CrossEntropy([0, 0, 100, -100, 7, 7], [1, Losses.IgnoreIndex, 0], 2, gradient);

        Assert.Equal(Math.Log(2), loss, 15);
        Assert.Equal(new[] { 0.25, -0.25, 0, 0, -0.25, 0.25 }, gradient);
    }

    [Fact]
    public void Cross_entropy_checks_its_shapes()
    {
        Assert.Throws<ArgumentException>(() => Losses.CrossEntropy(new float[5], [0, 0], 3, new float[6]));
        Assert.Throws<ArgumentException>(() => Losses.CrossEntropy(new float[6], [0, 0], 3, new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.CrossEntropy(new float[0], [], 0, new float[0]));
    }

    [Fact]
    public void Elementwise_losses_check_their_lengths()
    {
        Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError(new float[3], new float[2], new float[3]));
        Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError(new double[3], new double[3], new double[4]));
        Assert.Throws<ArgumentException>(() => Losses.BinaryCrossEntropyWithLogits(new float[0], new float[0], new float[0]));
        Assert.Throws<ArgumentException>(() => Losses.BinaryCrossEntropyWithLogits(new double[2], new double[1], new double[2]));
    }

    [Fact]
    public void Binary_cross_entropy_is_exact_and_finite_at_extreme_logits()
    {
        float[] gradient = new float[4];
        float loss = Losses.BinaryCrossEntropyWithLogits([1e4f, -1e4f, 1e30f, -1e30f], [0, 1, 1, 0], gradient);

        // Wrong by 1e4 on two elements and right with certainty on the other two.
        Assert.Equal(5000f, loss);
        Assert.Equal(new[] { 0.25f, -0.25f, 0f, 0f }, gradient);

        // log1p(e^-40) = 4.2e-18 would vanish in log(1 + e^-40).
        Assert.Equal(Math.Exp(-40), Losses.BinaryCrossEntropyWithLogits([40.0], [1.0], new double[1]), 1e-30);
    }
}
