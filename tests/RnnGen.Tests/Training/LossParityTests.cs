using System;
using System.Linq;
using System.Numerics;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Training;

/// <summary>
/// Losses and their gradients against PyTorch 1.13's MSELoss, BCEWithLogitsLoss and CrossEntropyLoss (mean reduction,
/// ignore_index -100) and autograd (losses.safetensors), including MSE taken after a sigmoid and a softmax head,
/// which exercises <see cref="Activations.SigmoidBackward(ReadOnlySpan{float}, Span{float})"/> and
/// <see cref="Activations.SoftmaxBackward(ReadOnlySpan{float}, Span{float})"/>.
/// </summary>
/// <remarks>
/// Tolerances. float64: loss within 1e-13 relative, gradients within 1e-12 relative plus 1e-16 absolute: both sides
/// compute the same formulas in double and differ only in the order of a few sums and in exp/log ulps. float32: the
/// library computes in double and rounds once, PyTorch rounds after every float operation, so the two differ by a few
/// float ulps of the operands: the loss within 1e-6 relative, each gradient element within 1e-5 relative plus
/// 1e-6 times the largest gradient of the case (absolute), which covers cancellation such as sigmoid(30) - 1,
/// exactly 0 in float but -9.4e-14 in double.
/// </remarks>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public class LossParityTests
{
    private readonly ITestOutputHelper _log;

    public LossParityTests(ITestOutputHelper log) => _log = log;

    [Fact]
    public void Mean_squared_error_matches_torch()
    {
        Check<double>("mse", (x, t, g) => Losses.MeanSquaredError(x, t, g));
        Check<float>("mse", (x, t, g) => Losses.MeanSquaredError(x, t, g));
    }

    [Fact]
    public void Binary_cross_entropy_with_logits_matches_torch_up_to_logits_of_1e4()
    {
        Check<double>("bce", (x, t, g) => Losses.BinaryCrossEntropyWithLogits(x, t, g));
        Check<float>("bce", (x, t, g) => Losses.BinaryCrossEntropyWithLogits(x, t, g));
    }

    [Fact]
    public void Cross_entropy_with_ignored_steps_matches_torch()
    {
        int classes = int.Parse(TrainingFixtures.Losses.Metadata("classes"), System.Globalization.CultureInfo.InvariantCulture);
        Check<double>("ce", (x, t, g) => Losses.CrossEntropy(x, ClassTargets<double>(t), classes, g));
        Check<float>("ce", (x, t, g) => Losses.CrossEntropy(x, ClassTargets<float>(t), classes, g));
    }

    [Fact]
    public void Mean_squared_error_through_a_sigmoid_head_matches_torch()
    {
        Check<double>("mse_sigmoid", (x, t, g) =>
        {
            double[] p = x.Select(Activations.Sigmoid).ToArray();
            double loss = Losses.MeanSquaredError(p, t, g);
            Activations.SigmoidBackward(p, g);
            return loss;
        });
        Check<float>("mse_sigmoid", (x, t, g) =>
        {
            float[] p = x.Select(Activations.Sigmoid).ToArray();
            float loss = Losses.MeanSquaredError(p, t, g);
            Activations.SigmoidBackward(p, g);
            return loss;
        });
    }

    [Fact]
    public void Mean_squared_error_through_a_softmax_head_matches_torch()
    {
        const int Classes = 5;
        Check<double>("mse_softmax", (x, t, g) =>
        {
            double[] p = (double[])x.Clone();
            for (int row = 0; row < p.Length; row += Classes)
            {
                Activations.Softmax(p.AsSpan(row, Classes));
            }

            double loss = Losses.MeanSquaredError(p, t, g);
            for (int row = 0; row < p.Length; row += Classes)
            {
                Activations.SoftmaxBackward(p.AsSpan(row, Classes), g.AsSpan(row, Classes));
            }

            return loss;
        });
        Check<float>("mse_softmax", (x, t, g) =>
        {
            float[] p = (float[])x.Clone();
            for (int row = 0; row < p.Length; row += Classes)
            {
                Activations.Softmax(p.AsSpan(row, Classes));
            }

            float loss = Losses.MeanSquaredError(p, t, g);
            for (int row = 0; row < p.Length; row += Classes)
            {
                Activations.SoftmaxBackward(p.AsSpan(row, Classes), g.AsSpan(row, Classes));
            }

            return loss;
        });
    }

    private static int[] ClassTargets<T>(T[] target)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        target.Select(t => int.CreateChecked(t)).ToArray();

    private void Check<T>(string name, Func<T[], T[], T[], T> loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool single = typeof(T) == typeof(float);
        T[] input = TrainingFixtures.Losses.Input<T>($"{name}.input");
        T[] target = TrainingFixtures.Losses.Input<T>($"{name}.target");
        double expectedLoss = TrainingFixtures.Losses.Expected<T>($"{name}.loss")[0];
        double[] expectedGradient = TrainingFixtures.Losses.Expected<T>($"{name}.gradient");
        var gradient = new T[input.Length];
        gradient.AsSpan().Fill(T.NaN);

        double actualLoss = double.CreateTruncating(loss(input, target, gradient));

        double lossError = Differences.AssertClose([expectedLoss], [actualLoss], single ? 1e-6 : 1e-13, 0, $"{name} {typeof(T).Name} loss");
        double scale = expectedGradient.Max(Math.Abs);
        double gradientError = Differences.AssertClose(
            expectedGradient, OptimizerCases.ToDoubles<T>(gradient), single ? 1e-5 : 1e-12, single ? 1e-6 * scale : 1e-16, $"{name} {typeof(T).Name} gradient");
        double absolute = expectedGradient.Zip(OptimizerCases.ToDoubles<T>(gradient), (e, a) => Math.Abs(e - a)).Max();
        _log.WriteLine($"{name} {typeof(T).Name}: loss relative difference {lossError:E2}; gradient largest relative difference {gradientError:E2}, largest absolute {absolute:E2} (largest gradient {scale:E2})");
    }
}
