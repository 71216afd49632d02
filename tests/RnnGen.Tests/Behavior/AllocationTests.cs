using System;
using RnnGen.Samples;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Behavior;

/// <summary>
/// DESIGN.md: Predict and Step allocate nothing on the managed heap after a thread's first call.
/// JumpDetector keeps its scratch on the stack; StockForecaster's (61 KiB) exceeds the 16 KiB stack
/// budget and lives in a per-thread buffer, so both paths are covered.
/// </summary>
public sealed class AllocationTests
{
    [Fact]
    public void Stack_scratch_model_allocates_nothing_after_first_call()
    {
        var model = new JumpDetector();
        float[] input = Pattern<float>(JumpDetector.SequenceLength * JumpDetector.InputSize);
        float[] output = new float[JumpDetector.OutputLength * JumpDetector.OutputSize];
        float[] x = Pattern<float>(JumpDetector.InputSize);
        float[] y = new float[JumpDetector.OutputSize];

        model.Predict(input, output);
        var state = default(JumpDetector.State);
        model.Step(ref state, x, y);

        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                model.Predict(input, output);
                model.Step(ref state, x, y);
            }
        }));
    }

    [Fact]
    public void Thread_buffer_model_allocates_only_on_first_call()
    {
        var model = new StockForecaster();
        double[] input = Pattern<double>(StockForecaster.SequenceLength * StockForecaster.InputSize);
        double[] output = new double[StockForecaster.OutputLength * StockForecaster.OutputSize];
        double[] x = Pattern<double>(StockForecaster.InputSize);
        double[] y = new double[StockForecaster.OutputSize];
        var state = default(StockForecaster.State);

        model.Predict(input, output);
        model.Step(ref state, x, y);
        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                model.Predict(input, output);
                model.Step(ref state, x, y);
            }
        }));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Wrong_span_lengths_throw_argument_exception(int which)
    {
        var model = new JumpDetector();
        float[] good = new float[JumpDetector.SequenceLength * JumpDetector.InputSize];
        float[] output = new float[JumpDetector.OutputSize];
        var error = which == 0
            ? Assert.Throws<ArgumentException>(() => model.Predict(good.AsSpan(1), output))
            : Assert.Throws<ArgumentException>(() => model.Predict(good, new float[2]));
        Assert.Contains(which == 0 ? "input" : "output", error.Message, StringComparison.Ordinal);

        var state = default(JumpDetector.State);
        Assert.Throws<ArgumentException>(() => model.Step(ref state, new float[JumpDetector.InputSize + 1], new float[1]));
        Assert.Throws<ArgumentException>(() => model.Step(ref state, new float[JumpDetector.InputSize], Array.Empty<float>()));
    }

    internal static T[] Pattern<T>(int length)
        where T : unmanaged
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = Math.Sin(0.37 * i) * 1.5;
        }

        return Fixture.Convert<T>(values);
    }
}
