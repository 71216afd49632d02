using System;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>
/// Each loss's gradient against central finite differences of the loss itself, in double with step h = 1e-6,
/// independently of PyTorch: <c>(L(x + h e_i) - L(x - h e_i)) / 2h</c>. The truncation error is h^2 |L'''| / 6, far
/// below 1e-9 for these smooth losses; the rounding error is about ulp(|L|) / h, i.e. 2e-10 |L|: the tolerance is
/// 1e-6 relative plus 1e-9 (|L| + 1) absolute.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public class LossGradientTests
{
    private const double H = 1e-6;

    [Fact]
    public void Mean_squared_error_gradient_matches_finite_differences()
    {
        double[] prediction = TrainingFixtures.Losses.Input<double>("mse.input");
        double[] target = TrainingFixtures.Losses.Input<double>("mse.target");

        CheckAgainstFiniteDifferences(prediction, (x, g) => Losses.MeanSquaredError(x, target, g));
    }

    [Fact]
    public void Binary_cross_entropy_gradient_matches_finite_differences_up_to_logits_of_1e4()
    {
        double[] logits = TrainingFixtures.Losses.Input<double>("bce.input");
        double[] target = TrainingFixtures.Losses.Input<double>("bce.target");
        Assert.Contains(1e4, logits);
        Assert.Contains(-1e4, logits);

        CheckAgainstFiniteDifferences(logits, (x, g) => Losses.BinaryCrossEntropyWithLogits(x, target, g));
    }

    [Fact]
    public void Cross_entropy_gradient_matches_finite_differences()
    {
        double[] logits = TrainingFixtures.Losses.Input<double>("ce.input");
        int[] target = TrainingFixtures.Losses.Input<double>("ce.target").Select(t => (int)t).ToArray();
        Assert.Contains(Losses.IgnoreIndex, target);

        CheckAgainstFiniteDifferences(logits, (x, g) => Losses.CrossEntropy(x, target, 5, g));
    }

    [Fact]
    public void Sigmoid_head_backward_matches_finite_differences()
    {
        double[] logits = TrainingFixtures.Losses.Input<double>("mse_sigmoid.input");
        double[] target = TrainingFixtures.Losses.Input<double>("mse_sigmoid.target");

        CheckAgainstFiniteDifferences(logits, (x, g) =>
        {
            double[] p = x.Select(Activations.Sigmoid).ToArray();
            double loss = Losses.MeanSquaredError(p, target, g);
            Activations.SigmoidBackward(p, g);
            return loss;
        });
    }

    [Fact]
    public void Softmax_head_backward_matches_finite_differences()
    {
        double[] logits = TrainingFixtures.Losses.Input<double>("mse_softmax.input");
        double[] target = TrainingFixtures.Losses.Input<double>("mse_softmax.target");

        CheckAgainstFiniteDifferences(logits, (x, g) =>
        {
            double[] p = (double[])x.Clone();
            for (int row = 0; row < p.Length; row += 5)
            {
                Activations.Softmax(p.AsSpan(row, 5));
            }

            double loss = Losses.MeanSquaredError(p, target, g);
            for (int row = 0; row < p.Length; row += 5)
            {
                Activations.SoftmaxBackward(p.AsSpan(row, 5), g.AsSpan(row, 5));
            }

            return loss;
        });
    }

    private static void CheckAgainstFiniteDifferences(double[] x, Func<double[], double[], double> loss)
    {
        var gradient = new double[x.Length];
        double value = loss(x, gradient);
        var scratch = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double[] plus = (double[])x.Clone(), minus = (double[])x.Clone();
            plus[i] += H;
            minus[i] -= H;
            double numeric = (loss(plus, scratch) - loss(minus, scratch)) / (plus[i] - minus[i]);
            double tolerance = (1e-6 * Math.Abs(numeric)) + (1e-9 * (Math.Abs(value) + 1));
            Assert.True(Math.Abs(gradient[i] - numeric) <= tolerance, $"element {i}: analytic {gradient[i]:R}, finite differences {numeric:R}");
        }
    }
}
