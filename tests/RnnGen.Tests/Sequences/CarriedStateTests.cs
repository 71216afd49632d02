using System;
using System.Linq;
using RnnGen.Samples;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Models;
using RnnGen.Tests.Numerics;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Sequences;

/// <summary>
/// Streams cut into windows: the carried state reproduces the whole stream, Step and Predict agree on
/// it, finite differences confirm the initial-state gradients, and the new overloads validate their
/// arguments and allocate nothing.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class CarriedStateTests
{
    private readonly ITestOutputHelper _log;

    public CarriedStateTests(ITestOutputHelper log) => _log = log;

    /// <summary>
    /// StockForecaster (two stacked GRUs, float64) reads 60 steps; a 60-step stream run as windows of
    /// 25, 25 and 10 steps, each starting from the previous window's hn, ends in the same state and
    /// prediction as the whole stream in one call (double precision, same operations: 1e-12).
    /// </summary>
    [Fact]
    public void Windows_with_carried_state_reproduce_the_whole_stream()
    {
        var model = new StockForecaster(seed: 5);
        double[] stream = Series(StockForecaster.SequenceLength * StockForecaster.InputSize, 3);
        double[] wholeOutput = new double[1], wholeHn = new double[StockForecaster.HiddenStateSize];
        model.Predict(stream, wholeOutput, StockForecaster.SequenceLength, default, default, wholeHn, default);

        double[] h = Array.Empty<double>();
        double[] windowOutput = new double[1];
        double[] window = new double[StockForecaster.SequenceLength * StockForecaster.InputSize];
        int position = 0;
        foreach (int length in new[] { 25, 25, 10 })
        {
            Array.Clear(window);
            stream.AsSpan(position * StockForecaster.InputSize, length * StockForecaster.InputSize).CopyTo(window);
            double[] hn = new double[StockForecaster.HiddenStateSize];
            model.Predict(window, windowOutput, length, h, default, hn, default);
            h = hn;
            position += length;
        }

        Assert.Equal(wholeHn.Length, h.Length);
        for (int i = 0; i < h.Length; i++)
        {
            Assert.Equal(wholeHn[i], h[i], 12);
        }

        Assert.Equal(wholeOutput[0], windowOutput[0], 12);
    }

    /// <summary>JumpDetector (lstm): Predict's hn/cn after 12 steps, loaded into a State, then Step for the rest, ends where one Predict ends.</summary>
    [Fact]
    public void Step_continues_from_the_state_predict_leaves()
    {
        var model = new JumpDetector(seed: 2);
        float[] frames = Series(JumpDetector.SequenceLength * JumpDetector.InputSize, 1).Select(v => (float)v).ToArray();
        float[] whole = new float[1];
        model.Predict(frames, whole);

        float[] hn = new float[JumpDetector.HiddenStateSize], cn = new float[JumpDetector.CellStateSize], y = new float[1];
        model.Predict(frames, new float[1], 12, default, default, hn, cn);
        var state = default(JumpDetector.State);
        model.SetState(ref state, hn, cn);
        for (int t = 12; t < JumpDetector.SequenceLength; t++)
        {
            model.Step(ref state, frames.AsSpan(t * JumpDetector.InputSize, JumpDetector.InputSize), y);
        }

        Assert.Equal(whole[0], y[0], 5);

        float[] h2 = new float[JumpDetector.HiddenStateSize], c2 = new float[JumpDetector.CellStateSize];
        model.GetState(state, h2, c2);
        float[] hFull = new float[JumpDetector.HiddenStateSize], cFull = new float[JumpDetector.CellStateSize];
        model.Predict(frames, new float[1], JumpDetector.SequenceLength, default, default, hFull, cFull);
        Tolerance.Float32.AssertClose(hFull.Select(v => (double)v).ToArray(), h2.Select(v => (double)v).ToArray(), "h after the stream");
        Tolerance.Float32.AssertClose(cFull.Select(v => (double)v).ToArray(), c2.Select(v => (double)v).ToArray(), "c after the stream");
    }

    /// <summary>Central differences (step 1e-6) of the loss with respect to every h0 and c0 value, on float64 models with lstm and gru layers.</summary>
    [Theory]
    [InlineData("TrainLstmOptions64", 2)]
    [InlineData("TrainStackedMixed64", 3)]
    [InlineData("TrainBidiStack64", 2)]
    [InlineData("TrainTokens64", 3)]
    public void Initial_state_gradients_match_finite_differences(string name, int length)
    {
        ModelHandle model = ModelHandle.Create(name, seed: 13);
        double[] input = GradientTests.Inputs(model, 1);
        double[] target = GradientTests.Targets(model, 2);
        double[] h0 = Enumerable.Range(0, model.HiddenStateSize).Select(i => Math.Sin(i + 1) * 0.7).ToArray();
        double[] c0 = Enumerable.Range(0, model.CellStateSize).Select(i => Math.Cos(i + 1) * 0.7).ToArray();
        (double _, double[] dh0, double[] dc0) = model.AccumulateStates(input, target, length, h0, c0.Length == 0 ? null : c0);

        double Loss(double[] h, double[] c) => model.AccumulateStates(input, target, length, h, c.Length == 0 ? null : c).Loss;
        const double Step = 1e-6;
        double worst = 0;
        for (int which = 0; which < 2; which++)
        {
            double[] state = which == 0 ? h0 : c0;
            double[] analytic = which == 0 ? dh0 : dc0;
            for (int i = 0; i < state.Length; i++)
            {
                double[] plus = (double[])state.Clone(), minus = (double[])state.Clone();
                plus[i] += Step;
                minus[i] -= Step;
                double numeric = which == 0 ? (Loss(plus, c0) - Loss(minus, c0)) / (2 * Step) : (Loss(h0, plus) - Loss(h0, minus)) / (2 * Step);
                double error = Math.Abs(numeric - analytic[i]);
                Assert.True(error <= 1e-8 || error <= 1e-6 * Math.Abs(numeric), $"{name} d/d{(which == 0 ? "h0" : "c0")}[{i}]: analytic {analytic[i]:R}, numeric {numeric:R}");
                worst = Math.Max(worst, error);
            }
        }

        Assert.Contains(dh0, g => g != 0);
        _log.WriteLine($"{name}: worst |analytic - numeric| {worst:E3} over {h0.Length + c0.Length} state values");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(JumpDetector.SequenceLength + 1)]
    public void A_length_outside_one_to_T_is_rejected(int length)
    {
        var model = new JumpDetector();
        float[] input = new float[JumpDetector.SequenceLength * JumpDetector.InputSize];
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(input, new float[1], length));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateGradients(input, new float[1], length));
    }

    [Fact]
    public void State_spans_must_be_empty_or_exact()
    {
        var model = new JumpDetector();
        float[] input = new float[JumpDetector.SequenceLength * JumpDetector.InputSize];
        Assert.Throws<ArgumentException>(() => model.Predict(input, new float[1], 3, new float[JumpDetector.HiddenStateSize - 1], default, default, default));
        Assert.Throws<ArgumentException>(() => model.Predict(input, new float[1], 3, default, default, default, new float[1]));
        Assert.Throws<ArgumentException>(() => model.AccumulateGradients(input, new float[1], 3, default, default, new float[2], default));
    }

    [Fact]
    public void Many_to_many_outputs_past_the_length_are_zero()
    {
        ModelHandle model = ModelHandle.Create("EntityTagger", 1);
        double[] tokens = Enumerable.Range(0, model.SequenceLength).Select(i => (double)((i * 7) % 50)).ToArray();
        double[] output = model.PredictStates(tokens, 10, null, null).Output;
        Assert.All(output[(10 * model.OutputSize)..], v => Assert.Equal(0, v));
        Assert.Equal(10, output[..(10 * model.OutputSize)].Chunk(model.OutputSize).Count(row => Math.Abs(row.Sum() - 1) < 1e-5));
    }

    [Fact]
    public void Overloads_with_lengths_and_states_allocate_nothing_after_the_first_call()
    {
        var model = new JumpDetector(3);
        float[] input = Series(JumpDetector.SequenceLength * JumpDetector.InputSize, 4).Select(v => (float)v).ToArray();
        float[] output = new float[1], target = { 1 };
        float[] h0 = new float[JumpDetector.HiddenStateSize], c0 = new float[JumpDetector.CellStateSize];
        float[] hn = new float[JumpDetector.HiddenStateSize], cn = new float[JumpDetector.CellStateSize];
        model.Predict(input, output, 17, h0, c0, hn, cn);
        model.AccumulateGradients(input, target, 17, h0, c0, hn, cn);
        model.TrainStep(input, target, 9);

        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                model.Predict(input, output, 17, h0, c0, hn, cn);
                model.AccumulateGradients(input, target, 17, h0, c0, hn, cn);
                model.TrainStep(input, target, 9);
            }
        }));
    }

    private static double[] Series(int length, int seed)
    {
        var random = new InitRandom(seed);
        return Enumerable.Range(0, length).Select(_ => (2 * random.NextDouble()) - 1).ToArray();
    }
}
