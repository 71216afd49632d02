using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Tests.Models;
using RnnGen.Tests.Numerics;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Training;

/// <summary>
/// Backpropagation through wide layers (Specs/Wide*.rnn.yaml: widths 258-263, no multiple of any vector width), where
/// the backward step's vectorized gate derivatives and the per-sequence weight-gradient products run their vector
/// and scalar tails. Over a million parameters are too many for finite differences on each, so the float64 model is
/// checked by central differences on a sample that includes every tensor's first and last elements and the last rows
/// and columns (the tails); the float32 model then has to agree with the float64 one on every gradient. Both run from
/// a nonzero h0 over fewer steps than the sequence holds, so the h0 term of dW_hh and the masked steps count too.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class WideLayerGradientTests
{
    private readonly ITestOutputHelper _log;

    public WideLayerGradientTests(ITestOutputHelper log) => _log = log;

    [Theory]
    [InlineData("WideStack64")]
    [InlineData("WideGruBefore64")]
    public void Sampled_gradients_match_central_finite_differences(string name)
    {
        ModelHandle model = ModelHandle.Create(name, seed: 3);
        (double[] input, double[] target, int length, double[] h0, double[] c0) = Case(model);
        double[] theta = model.GetParameters();

        double Loss(double[] parameters)
        {
            model.SetParameters(parameters);
            model.ParametersChanged();
            model.ZeroGradients();
            return model.AccumulateStates(input, target, length, h0, c0).Loss;
        }

        Loss(theta);
        double[] analytic = model.GetGradients();
        const double Step = 1e-6;
        double worst = 0;
        int checkedCount = 0;
        foreach (int i in Sample(model))
        {
            double[] plus = (double[])theta.Clone();
            double[] minus = (double[])theta.Clone();
            plus[i] += Step;
            minus[i] -= Step;
            double numeric = (Loss(plus) - Loss(minus)) / (2 * Step);
            double error = Math.Abs(numeric - analytic[i]);
            // As in GradientTests: truncation ~1e-12 and rounding ~1e-10 for losses of order 1.
            Assert.True(error <= 1e-8 || error <= 1e-6 * Math.Abs(numeric), $"{name} parameter {i} ({Owner(model, i)}): analytic {analytic[i]:R}, numeric {numeric:R}");
            worst = Math.Max(worst, error);
            checkedCount++;
        }

        _log.WriteLine($"{name}: worst |analytic - numeric| {worst:E3} over {checkedCount} sampled parameters of {theta.Length}");
    }

    [Theory]
    [InlineData("WideStack")]
    [InlineData("WideGruBefore")]
    public void Float32_gradients_match_the_float64_model(string name)
    {
        ModelHandle single = ModelHandle.Create(name, seed: 3);
        ModelHandle reference = ModelHandle.Create(name + "64", seed: 3);
        // the float32 model's parameters, exactly, in both
        double[] theta = single.GetParameters();
        reference.SetParameters(theta);
        reference.ParametersChanged();
        (double[] input, double[] target, int length, double[] h0, double[] c0) = Case(reference);

        single.ZeroGradients();
        reference.ZeroGradients();
        double loss = single.AccumulateStates(input, target, length, h0, c0).Loss;
        double expectedLoss = reference.AccumulateStates(input, target, length, h0, c0).Loss;
        Assert.True(Math.Abs(loss - expectedLoss) <= 1e-5 * Math.Abs(expectedLoss) + 1e-7, $"{name} loss {loss:R}, float64 {expectedLoss:R}");
        double[] actual = single.GetGradients();
        double[] expected = reference.GetGradients();
        double worst = 0;
        foreach (ParameterInfo parameter in single.Layout)
        {
            // float32 sums of a few thousand products: errors near 1e-6 of the tensor's largest gradient; 1e-4 leaves room
            // and still fails for a wrong or missing term (those are of the order of the gradients themselves).
            double scale = Enumerable.Range(parameter.Offset, parameter.Length).Max(i => Math.Abs(expected[i]));
            for (int i = parameter.Offset; i < parameter.Offset + parameter.Length; i++)
            {
                double error = Math.Abs(actual[i] - expected[i]);
                Assert.True(error <= (1e-4 * scale) + 1e-9, $"{name} {parameter.Name}[{i - parameter.Offset}]: float32 {actual[i]:R}, float64 {expected[i]:R}");
                worst = Math.Max(worst, scale > 0 ? error / scale : error);
            }
        }

        _log.WriteLine($"{name}: worst float32 gradient error {worst:E3} relative to each tensor's largest gradient");
    }

    /// <summary>One sequence cut short by a step, from random nonzero initial states.</summary>
    private static (double[] Input, double[] Target, int Length, double[] H0, double[] C0) Case(ModelHandle model)
    {
        // values a float32 model holds exactly, so both precisions see the same case
        double[] input = GradientTests.Inputs(model, 1).Select(v => (double)(float)v).ToArray();
        double[] target = GradientTests.Targets(model, 2).Select(v => (double)(float)v).ToArray();
        var random = new InitRandom(4);
        double[] h0 = Enumerable.Range(0, model.HiddenStateSize).Select(_ => (double)(float)(random.NextDouble() - 0.5)).ToArray();
        double[] c0 = Enumerable.Range(0, model.CellStateSize).Select(_ => (double)(float)(random.NextDouble() - 0.5)).ToArray();
        return (input, target, model.SequenceLength - 1, h0, c0);
    }

    /// <summary>Per tensor: its first and last elements, the last column of its first row and the start of its last row (matrices), and a few at random.</summary>
    private static IEnumerable<int> Sample(ModelHandle model)
    {
        var random = new Random(7);
        var chosen = new SortedSet<int>();
        foreach (ParameterInfo parameter in model.Layout)
        {
            int start = parameter.Offset;
            int length = parameter.Length;
            chosen.Add(start);
            chosen.Add(start + length - 1);
            if (parameter.Shape.Count == 2)
            {
                int columns = parameter.Shape[1];
                chosen.Add(start + columns - 1);
                chosen.Add(start + length - columns);
            }

            for (int k = 0; k < 3; k++)
            {
                chosen.Add(start + random.Next(length));
            }
        }

        return chosen;
    }

    private static string Owner(ModelHandle model, int index) =>
        model.Layout.First(p => index >= p.Offset && index < p.Offset + p.Length).Name;
}
