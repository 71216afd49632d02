using System;
using System.IO;
using System.Linq;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Models;
using RnnGen.Tests.Numerics;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>The training API of the generated class (DESIGN.md, "Training semantics").</summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class TrainingApiTests
{
    /// <summary>TrainRnnMse64 trains with plain SGD at 0.1: one step is θ - 0.1 * (summed gradient / batch).</summary>
    [Fact]
    public void Apply_gradients_divides_by_the_batch_and_takes_an_sgd_step()
    {
        ModelHandle model = ModelHandle.Create("TrainRnnMse64", 4);
        double[] before = model.GetParameters();
        model.Accumulate(GradientTests.Inputs(model, 1), GradientTests.Targets(model, 2));
        model.Accumulate(GradientTests.Inputs(model, 3), GradientTests.Targets(model, 4));
        double[] gradients = model.GetGradients();
        Assert.Contains(gradients, g => g != 0);

        model.ApplyGradients(2);

        double[] after = model.GetParameters();
        for (int i = 0; i < before.Length; i++)
        {
            Assert.Equal(before[i] - (0.1 * (gradients[i] / 2)), after[i], 15);
        }

        Assert.All(model.GetGradients(), g => Assert.Equal(0, g));
    }

    [Fact]
    public void Train_step_returns_the_loss_before_the_step_and_lowers_it()
    {
        ModelHandle model = ModelHandle.Create("TrainLstmOptions64", 4);
        double[] input = GradientTests.Inputs(model, 1);
        double[] target = GradientTests.Targets(model, 2);
        model.ZeroGradients();
        double expected = model.Accumulate(input, target);
        model.ZeroGradients();

        double first = model.TrainStep(input, target);
        double second = model.TrainStep(input, target);

        Assert.Equal(expected, first, 12);
        Assert.True(second < first, $"{second} !< {first}");
    }

    [Fact]
    public void Apply_gradients_rejects_an_empty_batch()
    {
        ModelHandle model = ModelHandle.Create("TrainRnnMse");
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ApplyGradients(0));
    }

    [Fact]
    public void Learning_rate_is_settable_and_used_by_the_next_step()
    {
        ModelHandle model = ModelHandle.Create("TrainRnnMse64", 4);
        Assert.Equal(0.1, model.LearningRate);
        model.LearningRate = 0.5;
        double[] before = model.GetParameters();
        model.Accumulate(GradientTests.Inputs(model, 1), GradientTests.Targets(model, 2));
        double[] gradients = model.GetGradients();
        model.ApplyGradients(1);
        double[] after = model.GetParameters();
        Assert.Equal(before[0] - (0.5 * gradients[0]), after[0], 15);
    }

    /// <summary>An uninterrupted run and a run saved after 3 steps and resumed in a new instance end bit for bit alike.</summary>
    [Theory]
    [InlineData("JumpDetector")]
    [InlineData("AddingGru")]
    public void Saved_training_state_resumes_identically(string name)
    {
        ModelHandle straight = ModelHandle.Create(name, 8);
        ModelHandle first = ModelHandle.Create(name, 8);
        for (int step = 0; step < 6; step++)
        {
            straight.TrainStep(GradientTests.Inputs(straight, step), Binary(GradientTests.Targets(straight, 100 + step)));
        }

        for (int step = 0; step < 3; step++)
        {
            first.TrainStep(GradientTests.Inputs(first, step), Binary(GradientTests.Targets(first, 100 + step)));
        }

        byte[] weights = first.Save();
        byte[] state = first.SaveTrainingState();
        ModelHandle resumed = ModelHandle.Create(name, 123);
        resumed.Load(new MemoryStream(weights));
        resumed.LoadTrainingState(state);
        for (int step = 3; step < 6; step++)
        {
            resumed.TrainStep(GradientTests.Inputs(resumed, step), Binary(GradientTests.Targets(resumed, 100 + step)));
        }

        Assert.Equal(straight.GetParameters(), resumed.GetParameters());
    }

    [Fact]
    public void A_training_state_of_another_model_is_rejected_and_changes_nothing()
    {
        ModelHandle jump = ModelHandle.Create("JumpDetector");
        jump.TrainStep(GradientTests.Inputs(jump, 1), new[] { 1.0 });
        byte[] jumpState = jump.SaveTrainingState();
        ModelHandle adding = ModelHandle.Create("AddingLstm");
        byte[] before = adding.SaveTrainingState();

        Assert.Throws<InvalidDataException>(() => adding.LoadTrainingState(jumpState));
        Assert.Equal(before, adding.SaveTrainingState());
    }

    [Fact]
    public void Training_allocates_nothing_after_the_first_call()
    {
        var model = new RnnGen.Samples.JumpDetector(2);
        float[] input = new float[RnnGen.Samples.JumpDetector.SequenceLength * RnnGen.Samples.JumpDetector.InputSize];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = MathF.Sin(i);
        }

        float[] target = { 1 };
        model.TrainStep(input, target);
        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                model.AccumulateGradients(input, target);
                model.ApplyGradients(1);
                model.TrainStep(input, target);
            }
        }));
    }

    [Fact]
    public void Dropout_masks_change_between_calls_unless_reseeded_and_never_touch_predict()
    {
        ModelHandle model = ModelHandle.Create("DropoutStack64", 3);
        double[] input = GradientTests.Inputs(model, 1);
        double[] target = GradientTests.Targets(model, 2);
        double[] predicted = model.Predict(input);

        double a = model.Accumulate(input, target);
        double b = model.Accumulate(input, target);
        model.SeedDropout(9);
        double c = model.Accumulate(input, target);
        model.SeedDropout(9);
        double d = model.Accumulate(input, target);

        Assert.NotEqual(a, b);
        Assert.Equal(c, d);
        Assert.Equal(predicted, model.Predict(input));
    }

    private static double[] Binary(double[] targets) => targets.Select(t => t > 0.5 ? 1.0 : 0.0).ToArray();
}
