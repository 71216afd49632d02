using System;
using System.Linq;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Training;
using Xunit;

namespace RnnGen.Tests.Generation;

/// <summary>One-to-many: greedy and sampled generation, the stop token, teacher forcing, no allocation.</summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class GenerationTests
{
    private static readonly int[] Prime = { 3, 1, 4, 1, 5, 2 };

    [Fact]
    public void Greedy_generation_is_step_with_the_argmax_fed_back_and_matches_predict()
    {
        var model = new Babbler(seed: 4);
        int[] generated = new int[Babbler.OutputLength];
        int count = model.Generate(Prime, generated, temperature: 0, seed: 1);

        // By hand: Step through the prime, then feed back the argmax.
        var state = default(Babbler.State);
        float[] y = new float[Babbler.OutputSize];
        foreach (int token in Prime)
        {
            model.Step(ref state, token, y);
        }

        int[] expected = new int[Babbler.OutputLength];
        int n = 0;
        for (; n < expected.Length; n++)
        {
            expected[n] = Sampling.ArgMax(y);
            if (expected[n] == 0)
            {
                n++;
                break;
            }

            model.Step(ref state, expected[n], y);
        }

        Assert.Equal(n, count);
        Assert.Equal(expected[..n], generated[..count]);

        // Predict is greedy generation from a prime of SequenceLength tokens: its rows' argmaxes are the same tokens.
        float[] rows = new float[Babbler.OutputLength * Babbler.OutputSize];
        model.Predict(Prime, rows);
        int[] argmaxes = Enumerable.Range(0, Babbler.OutputLength).Select(r => Sampling.ArgMax(rows.AsSpan(r * Babbler.OutputSize, Babbler.OutputSize))).ToArray();
        Assert.Equal(generated[..count], argmaxes[..count]);
    }

    [Fact]
    public void A_tiny_temperature_is_greedy_and_a_seed_reproduces_a_sample()
    {
        var model = new Babbler(seed: 4);
        int[] greedy = new int[Babbler.OutputLength], cold = new int[Babbler.OutputLength];
        int greedyCount = model.Generate(Prime, greedy, 0, 1);
        int coldCount = model.Generate(Prime, cold, 1e-4f, 1);
        Assert.Equal(greedy[..greedyCount], cold[..coldCount]);

        int[] a = new int[40], b = new int[40], c = new int[40];
        var untrained = new Babbler(seed: 9);
        untrained.Parameters[untrained.Parameters.Length - Babbler.OutputSize] = -20; // never stop: bias of token 0
        untrained.ParametersChanged();
        Assert.Equal(40, untrained.Generate(Prime, a, 1, 7));
        Assert.Equal(40, untrained.Generate(Prime, b, 1, 7));
        untrained.Generate(Prime, c, 1, 8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.True(a.Distinct().Count() > 2, "sampling at temperature 1 from an untrained model should wander");
    }

    [Fact]
    public void Generation_stops_at_the_stop_token_and_writes_it()
    {
        var model = new Babbler(seed: 4);
        model.Parameters[model.Parameters.Length - Babbler.OutputSize] = 50; // head.bias of token 0, the stop token
        model.ParametersChanged();
        int[] output = Enumerable.Repeat(-1, 10).ToArray();
        Assert.Equal(1, model.Generate(Prime, output, 0.5f, 3));
        Assert.Equal(0, output[0]);
        Assert.All(output[1..], t => Assert.Equal(-1, t));
    }

    [Fact]
    public void Teacher_forcing_learns_to_continue_a_pattern()
    {
        var model = new Babbler(seed: 1);
        int[] pattern = { 1, 2, 3, 4, 5, 6, 7 };
        int[] window = new int[Babbler.SequenceLength + 1];
        float first = 0, last = 0;
        for (int round = 0; round < 300; round++)
        {
            int start = round % pattern.Length;
            for (int i = 0; i < window.Length; i++)
            {
                window[i] = pattern[(start + i) % pattern.Length];
            }

            float loss = model.TrainStep(window);
            first = round == 0 ? loss : first;
            last = loss;
        }

        int[] generated = new int[Babbler.OutputLength];
        Assert.Equal(generated.Length, model.Generate(new[] { 3, 4, 5 }, generated, 0, 0));
        Assert.Equal(Enumerable.Range(0, generated.Length).Select(i => pattern[(5 + i) % pattern.Length]), generated);
        Assert.True(last < first / 20, $"loss {first} -> {last}");
    }

    [Fact]
    public void Teacher_forcing_overload_is_the_shifted_pair()
    {
        int[] sequence = { 2, 7, 1, 1, 3, 6, 5 };
        var a = new Babbler(seed: 2);
        var b = new Babbler(seed: 2);
        float lossA = a.AccumulateGradients(sequence);
        float lossB = b.AccumulateGradients(sequence.AsSpan(0, Babbler.SequenceLength), sequence.AsSpan(1, Babbler.SequenceLength));
        Assert.Equal(lossB, lossA);
        Assert.Equal(b.Gradients.ToArray(), a.Gradients.ToArray());
        Assert.Throws<ArgumentException>(() => a.AccumulateGradients(sequence.AsSpan(1)));
    }

    [Fact]
    public void Vector_generation_feeds_each_output_back()
    {
        var model = new Hummer(seed: 3);
        double[] prime = Enumerable.Range(0, Hummer.SequenceLength * Hummer.InputSize).Select(i => Math.Sin(i)).ToArray();
        double[] predicted = new double[Hummer.OutputLength * Hummer.OutputSize];
        model.Predict(prime, predicted);
        double[] generated = new double[Hummer.OutputLength * Hummer.OutputSize];
        model.Generate(prime, generated);
        Assert.Equal(predicted, generated);

        // By hand with Step.
        var state = default(Hummer.State);
        double[] y = new double[Hummer.OutputSize];
        for (int t = 0; t < Hummer.SequenceLength; t++)
        {
            model.Step(ref state, prime.AsSpan(t * Hummer.InputSize, Hummer.InputSize), y);
        }

        Assert.Equal(y, predicted[..Hummer.OutputSize]);
        double[] next = new double[Hummer.OutputSize];
        model.Step(ref state, y, next);
        Assert.Equal(next, predicted[Hummer.OutputSize..(2 * Hummer.OutputSize)]);
        Assert.Throws<ArgumentException>(() => model.Generate(prime.AsSpan(1), generated));
    }

    [Fact]
    public void Generation_rejects_bad_arguments()
    {
        var model = new Babbler();
        Assert.Throws<ArgumentException>(() => model.Generate(ReadOnlySpan<int>.Empty, new int[3], 1, 0));
        Assert.Throws<ArgumentException>(() => model.Generate(Prime, Span<int>.Empty, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(Prime, new int[3], -1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(new[] { 8 }, new int[3], 1, 0));
    }

    [Fact]
    public void Generation_allocates_nothing_after_the_first_call()
    {
        var model = new Babbler(seed: 4);
        int[] output = new int[Babbler.OutputLength];
        float[] rows = new float[Babbler.OutputLength * Babbler.OutputSize];
        model.Generate(Prime, output, 0.8f, 1);
        model.Predict(Prime, rows);
        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                model.Generate(Prime, output, 0.8f, i);
                model.Predict(Prime, rows);
            }
        }));
    }
}
