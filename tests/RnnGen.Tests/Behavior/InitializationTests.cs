using System;
using System.Linq;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Behavior;

/// <summary>
/// DESIGN.md "Initialization": PyTorch's distributions (not its values) from a documented seeded
/// generator; <c>orthogonal</c> and <c>forget_bias</c> as specified; seed 0 by default.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class InitializationTests
{
    [Theory]
    [InlineData("JumpDetector")]
    [InlineData("StockForecaster")]
    [InlineData("TokenLstmTagger64")]
    public void Default_constructor_is_seed_zero_and_seeds_are_deterministic(string name)
    {
        double[] byDefault = ModelHandle.Create(name).GetParameters();
        Assert.Equal(byDefault, ModelHandle.Create(name, 0).GetParameters());
        Assert.Equal(ModelHandle.Create(name, 42).GetParameters(), ModelHandle.Create(name, 42).GetParameters());
        Assert.NotEqual(byDefault, ModelHandle.Create(name, 1).GetParameters());
    }

    [Theory]
    [InlineData("AddingGru")]
    [InlineData("StockForecaster")]
    [InlineData("EntityTagger")]
    [InlineData("SentimentClassifier")]
    [InlineData("MixedOptionsStack")]
    public void Pytorch_init_draws_each_tensor_from_its_documented_range(string name)
    {
        ModelHandle model = ModelHandle.Create(name, 3);
        double[] values = model.GetParameters();
        foreach (ParameterInfo tensor in model.Layout)
        {
            double[] v = values.AsSpan(tensor.Offset, tensor.Length).ToArray();
            if (tensor.Name == "embedding.weight")
            {
                // N(0, 1): mean and deviation of tens of thousands of draws (3 sigma bounds).
                double mean = v.Average();
                double std = Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average());
                Assert.InRange(mean, -3 / Math.Sqrt(v.Length), 3 / Math.Sqrt(v.Length));
                Assert.InRange(std, 1 - (3 / Math.Sqrt(v.Length / 2.0)), 1 + (3 / Math.Sqrt(v.Length / 2.0)));
                continue;
            }

            // Recurrent tensors of layer K: 1/sqrt(H_K); the head as nn.Linear: 1/sqrt(fan_in).
            double bound = tensor.Name.StartsWith("head.", StringComparison.Ordinal)
                ? 1 / Math.Sqrt(model.Layout.Single(p => p.Name == "head.weight").Shape[1])
                : 1 / Math.Sqrt(HiddenOf(model, tensor.Name));
            Assert.All(v, x => Assert.InRange(Math.Abs(x), 0, bound * (1 + 1e-6)));
            if (v.Length >= 100)
            {
                // n draws of U(-b, b) all stay below b(1 - 12/n) with probability (1 - 6/n)^n < e^-6.
                double reach = bound * (1 - (12.0 / v.Length));
                Assert.True(v.Max() > reach && v.Min() < -reach, $"{tensor.Name} does not span U(-{bound}, {bound})");
            }
        }
    }

    [Fact]
    public void Orthogonal_init_makes_each_gate_block_of_w_hh_orthogonal_and_zeroes_biases()
    {
        ModelHandle model = ModelHandle.Create("OrthogonalInit", 5);
        double[] values = model.GetParameters();
        foreach (ParameterInfo tensor in model.Layout)
        {
            double[] v = values.AsSpan(tensor.Offset, tensor.Length).ToArray();
            if (tensor.Name.Contains(".bias_", StringComparison.Ordinal))
            {
                Assert.All(v, x => Assert.Equal(0, x));
            }
            else if (tensor.Name.Contains(".weight_hh", StringComparison.Ordinal))
            {
                int h = HiddenOf(model, tensor.Name);
                int cols = tensor.Shape[1];
                for (int block = 0; block < tensor.Shape[0] / h; block++)
                {
                    AssertOrthonormal(v.AsSpan(block * h * cols, h * cols).ToArray(), h, cols, $"{tensor.Name} block {block}");
                }
            }
            else if (tensor.Name.Contains(".weight_ih", StringComparison.Ordinal))
            {
                // Xavier uniform over the whole matrix: sqrt(6 / (fan_in + fan_out)).
                double bound = Math.Sqrt(6.0 / (tensor.Shape[0] + tensor.Shape[1]));
                Assert.All(v, x => Assert.InRange(Math.Abs(x), 0, bound * (1 + 1e-6)));
            }
        }
    }

    [Fact]
    public void Forget_bias_sets_the_forget_slice_of_bias_ih_and_clears_it_in_bias_hh()
    {
        ModelHandle model = ModelHandle.Create("LstmForgetBias", 9);
        double[] values = model.GetParameters();
        ParameterInfo ih = model.Layout.Single(p => p.Name == "layers.0.bias_ih_l0");
        ParameterInfo hh = model.Layout.Single(p => p.Name == "layers.0.bias_hh_l0");
        int h = ih.Length / 4;
        double[] ihValues = values.AsSpan(ih.Offset, ih.Length).ToArray();
        double[] hhValues = values.AsSpan(hh.Offset, hh.Length).ToArray();

        Assert.All(ihValues[h..(2 * h)], x => Assert.Equal(1.0, x));
        Assert.All(hhValues[h..(2 * h)], x => Assert.Equal(0.0, x));
        Assert.Contains(ihValues[..h], x => x != 0);
    }

    [Fact]
    public void Writing_parameters_then_calling_parameters_changed_matches_loading()
    {
        Fixture fixture = Fixture.Load("GruBidiManyToOneSigmoid");
        ModelHandle loaded = ModelHandle.Create(fixture.Name);
        loaded.Load(fixture.WeightsPath);

        ModelHandle written = ModelHandle.Create(fixture.Name, 77);
        written.SetParameters(loaded.GetParameters());
        written.ParametersChanged();

        Assert.Equal(loaded.Predict(fixture.InputOf(0)), written.Predict(fixture.InputOf(0)));
    }

    private static int HiddenOf(ModelHandle model, string tensorName)
    {
        // layers.K.weight_hh_l0 is [G*H, P or H]; G from the cell, recovered from bias or weight rows.
        int cut = tensorName.IndexOf(".weight", StringComparison.Ordinal);
        string layer = tensorName[..(cut > 0 ? cut : tensorName.IndexOf(".bias", StringComparison.Ordinal))];
        ParameterInfo hh = model.Layout.First(p => p.Name.StartsWith(layer + ".weight_hh", StringComparison.Ordinal));
        ParameterInfo? peephole = model.Layout.FirstOrDefault(p => p.Name.StartsWith(layer + ".weight_peephole", StringComparison.Ordinal));
        ParameterInfo? hr = model.Layout.FirstOrDefault(p => p.Name.StartsWith(layer + ".weight_hr", StringComparison.Ordinal));
        if (peephole is not null)
        {
            return peephole.Shape[1];
        }

        if (hr is not null)
        {
            return hr.Shape[1];
        }

        // Without projection, weight_hh is [G*H, H].
        return hh.Shape[1];
    }

    private static void AssertOrthonormal(double[] m, int rows, int cols, string what)
    {
        // Rows orthonormal when rows <= cols, else columns.
        bool byRows = rows <= cols;
        int count = byRows ? rows : cols;
        int length = byRows ? cols : rows;
        for (int a = 0; a < count; a++)
        {
            for (int b = 0; b < count; b++)
            {
                double dot = 0;
                for (int k = 0; k < length; k++)
                {
                    dot += (byRows ? m[(a * cols) + k] : m[(k * cols) + a]) * (byRows ? m[(b * cols) + k] : m[(k * cols) + b]);
                }

                Assert.True(Math.Abs(dot - (a == b ? 1 : 0)) < 1e-5, $"{what}: <{a},{b}> = {dot}");
            }
        }
    }
}
