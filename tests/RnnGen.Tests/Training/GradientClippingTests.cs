using System;
using System.Linq;
using System.Numerics;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Training;

/// <summary>
/// ClipGlobalNorm against torch.nn.utils.clip_grad_norm_ over gradients split into three tensors
/// (clipping.safetensors). Tolerances: float64 1e-13 relative (the same sums in another order); float32 1e-6
/// relative, because PyTorch computes the norm and the coefficient in float32 and the library in double, so the norm
/// and the coefficient differ by about one float ulp (6e-8 relative), and so do the clipped values.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public class GradientClippingTests
{
    private readonly ITestOutputHelper _log;

    public GradientClippingTests(ITestOutputHelper log) => _log = log;

    [Fact]
    public void Clipping_matches_torch_when_it_applies_and_when_it_does_not()
    {
        foreach (JsonElement c in TrainingFixtures.Clipping.Cases())
        {
            string name = c.GetProperty("name").GetString()!;
            double maxNorm = c.GetProperty("max_norm").GetDouble();
            Check<double>(name, maxNorm, 1e-13, g => GradientClipping.ClipGlobalNorm(g, maxNorm));
            Check<float>(name, maxNorm, 1e-6, g => GradientClipping.ClipGlobalNorm(g, maxNorm));
        }
    }

    [Fact]
    public void Gradients_within_the_norm_are_left_bit_for_bit()
    {
        float[] gradients = [3, 4, float.Epsilon, -0.1f];
        float[] original = (float[])gradients.Clone();

        double norm = GradientClipping.ClipGlobalNorm(gradients, 5.1);

        Assert.Equal(Math.Sqrt(25.01), norm, 6);
        Assert.Equal(original, gradients);
    }

    [Fact]
    public void Clipped_gradients_have_the_largest_norm_allowed()
    {
        double[] gradients = [3, 4, 0];

        double norm = GradientClipping.ClipGlobalNorm(gradients, 1.0);

        Assert.Equal(5.0, norm);
        Assert.Equal(1.0 / (5.0 + 1e-6), gradients[0] / 3, 15);
        Assert.Equal(0.8 / (1 + 2e-7), gradients[1], 15);
    }

    [Fact]
    public void A_nan_gradient_spreads_as_in_torch_and_the_norm_tells()
    {
        double[] gradients = [1, double.NaN, 2];

        Assert.True(double.IsNaN(GradientClipping.ClipGlobalNorm(gradients, 1.0)));
        Assert.All(gradients, g => Assert.True(double.IsNaN(g)));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void The_largest_norm_must_be_positive(double maxNorm)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGlobalNorm(new float[3], maxNorm));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGlobalNorm(new double[3], maxNorm));
    }

    private void Check<T>(string name, double maxNorm, double relative, Func<T[], double> clip)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] gradients = TrainingFixtures.Clipping.Input<T>("grads");
        double expectedNorm = TrainingFixtures.Clipping.Expected<T>($"{name}.norm")[0];
        double[] expected = TrainingFixtures.Clipping.Expected<T>($"{name}.clipped");

        double norm = clip(gradients);

        double normError = Differences.AssertClose([expectedNorm], [norm], relative, 0, $"{name} {typeof(T).Name} norm");
        double valueError = Differences.AssertClose(expected, OptimizerCases.ToDoubles<T>(gradients), relative, 0, $"{name} {typeof(T).Name} clipped");
        int identical = Differences.Identical(expected, OptimizerCases.ToDoubles<T>(gradients));
        _log.WriteLine($"{name} (max_norm {maxNorm}) {typeof(T).Name}: norm relative difference {normError:E2}, clipped values {valueError:E2}, {identical} of {expected.Length} bit-identical");
        Assert.Equal(maxNorm < expectedNorm, expected.Zip(TrainingFixtures.Clipping.Expected<T>("grads")).Any(p => p.First != p.Second));
    }
}
