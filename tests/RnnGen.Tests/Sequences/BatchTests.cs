using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Samples;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Sequences;

/// <summary>
/// PredictBatch and AccumulateGradientsBatch against the single-sequence calls they batch: the same values
/// (bit for bit: each sequence runs the very same code), with lengths, on one thread and on several, and
/// every bad argument rejected before anything is written.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class BatchTests
{
    private const int Count = 7;

    [Fact]
    public void PredictBatch_equals_Predict_per_sequence_with_lengths_and_threads()
    {
        var model = new TrainBidiStack(seed: 3);
        int sequence = TrainBidiStack.SequenceLength * TrainBidiStack.InputSize;
        int output = TrainBidiStack.OutputLength * TrainBidiStack.OutputSize;
        float[] inputs = Values(Count * sequence, 1);
        int[] lengths = { 3, 1, 2, 3, 2, 1, 3 };

        float[] expected = new float[Count * output];
        for (int i = 0; i < Count; i++)
        {
            model.Predict(inputs.AsSpan(i * sequence, sequence), expected.AsSpan(i * output, output), lengths[i]);
        }

        float[] batch = new float[Count * output];
        model.PredictBatch(inputs, batch, lengths);
        Assert.Equal(expected, batch);

        float[] parallel = new float[Count * output];
        model.PredictBatch(inputs, parallel, lengths, degreeOfParallelism: 3);
        Assert.Equal(expected, parallel);

        float[] full = new float[Count * output];
        float[] one = new float[output];
        model.PredictBatch(inputs, full);
        for (int i = 0; i < Count; i++)
        {
            model.Predict(inputs.AsSpan(i * sequence, sequence), one);
            Assert.Equal(one, full.AsSpan(i * output, output).ToArray());
        }
    }

    /// <summary>Every model with PredictBatch in this assembly (every cell, option, precision and mode that has it).</summary>
    public static IEnumerable<object[]> BatchModels() => ModelHandle.ModelTypes
        .Where(t => ModelHandle.HasMethod(t, "PredictBatch"))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .Select(t => new object[] { t.Name });

    /// <summary>
    /// PredictBatch runs sequences four at a time in lockstep (one read of each weight block per step for the four,
    /// docs/benchmarks.md "Batches") and the rest one by one: 11 sequences = two groups and three singles. With
    /// lengths that differ inside a group (a sequence past its length runs on zeros and is dropped; a reverse
    /// direction starts at each sequence's own end) and in full, every output must equal Predict's bit for bit.
    /// </summary>
    [Theory]
    [MemberData(nameof(BatchModels))]
    public void PredictBatch_equals_Predict_on_every_model(string className)
    {
        ModelHandle model = ModelHandle.Create(className, seed: 5);
        int steps = model.SequenceLength;
        int count = 11;
        var random = new Random(className.Length * 131);
        double[] inputs = new double[count * model.InputPerSequence];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = model.IsTokens ? random.Next(model.Constant("VocabSize")) : (random.NextDouble() * 4) - 2;
        }

        int[] lengths = Enumerable.Range(0, count).Select(i => i % 5 == 0 ? steps : 1 + random.Next(steps)).ToArray();
        int output = model.OutputLength * model.OutputSize;
        foreach (int[]? batchLengths in new[] { lengths, null })
        {
            double[] batch = model.PredictBatch(inputs, batchLengths);
            for (int i = 0; i < count; i++)
            {
                int length = batchLengths?[i] ?? steps;
                double[] expected = model.PredictStates(inputs.AsSpan(i * model.InputPerSequence, model.InputPerSequence).ToArray(), length, null, null).Output;
                double[] actual = batch.AsSpan(i * output, output).ToArray();
                Assert.True(expected.SequenceEqual(actual), $"{className}: sequence {i} (length {length}) differs from Predict: max |diff| {expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max()}");
            }
        }
    }

    [Fact]
    public void PredictBatch_checks_every_token_before_it_writes()
    {
        var model = new EntityTagger(seed: 2);
        int sequence = EntityTagger.SequenceLength;
        int[] tokens = new int[5 * sequence];
        tokens[(4 * sequence) + 2] = EntityTagger.VocabSize;
        float[] outputs = new float[5 * EntityTagger.OutputLength * EntityTagger.OutputSize];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictBatch(tokens, outputs));
        Assert.Equal($"inputs[{(4 * sequence) + 2}]", error.ParamName);
        Assert.All(outputs, v => Assert.Equal(0f, v));

        // on two threads the first share (sequences 0-1) must not run before the second share's bad token is seen
        error = Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictBatch(tokens, outputs, default, degreeOfParallelism: 2));
        Assert.Equal($"inputs[{(4 * sequence) + 2}]", error.ParamName);
        Assert.All(outputs, v => Assert.Equal(0f, v));

        // past a sequence's length a token is not read, so it is not checked either (as Predict with a length)
        int[] lengths = { sequence, sequence, sequence, sequence, 2 };
        model.PredictBatch(tokens, outputs, lengths);
    }

    [Fact]
    public void PredictBatch_of_tokens_on_two_threads_equals_one_thread()
    {
        var model = new EntityTagger(seed: 2);
        int sequence = EntityTagger.SequenceLength;
        int output = EntityTagger.OutputLength * EntityTagger.OutputSize;
        var random = new Random(4);
        int[] tokens = new int[Count * sequence];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = random.Next(EntityTagger.VocabSize);
        }

        float[] one = new float[Count * output];
        float[] two = new float[Count * output];
        model.PredictBatch(tokens, one);
        model.PredictBatch(tokens, two, default, degreeOfParallelism: 2);
        Assert.Equal(one, two);
        float[] single = new float[output];
        model.Predict(tokens.AsSpan(sequence * 5, sequence), single);
        Assert.Equal(single, one.AsSpan(5 * output, output).ToArray());
    }

    [Fact]
    public void AccumulateGradientsBatch_sums_the_gradients_and_averages_the_losses()
    {
        var model = new TrainBidiStack(seed: 3);
        int sequence = TrainBidiStack.SequenceLength * TrainBidiStack.InputSize;
        int target = TrainBidiStack.OutputLength * TrainBidiStack.OutputSize;
        float[] inputs = Values(Count * sequence, 5);
        float[] targets = Values(Count * target, 6);
        int[] lengths = { 1, 3, 2, 2, 3, 1, 3 };

        model.ZeroGradients();
        float sum = 0;
        for (int i = 0; i < Count; i++)
        {
            sum += model.AccumulateGradients(inputs.AsSpan(i * sequence, sequence), targets.AsSpan(i * target, target), lengths[i]);
        }

        float[] expected = model.Gradients.ToArray();
        model.ZeroGradients();
        float mean = model.AccumulateGradientsBatch(inputs, targets, lengths);
        Assert.Equal(sum / Count, mean);
        Assert.Equal(expected, model.Gradients.ToArray());
        Assert.Contains(expected, g => g != 0);
    }

    [Fact]
    public void Bad_batches_throw_before_anything_is_written()
    {
        var model = new TrainBidiStack(seed: 3);
        int sequence = TrainBidiStack.SequenceLength * TrainBidiStack.InputSize;
        int output = TrainBidiStack.OutputLength * TrainBidiStack.OutputSize;
        float[] inputs = Values(3 * sequence, 7);
        float[] outputs = new float[3 * output];

        Assert.Throws<ArgumentException>(() => model.PredictBatch(inputs.AsSpan(1), outputs));
        Assert.Throws<ArgumentException>(() => model.PredictBatch(inputs, outputs.AsSpan(1)));
        Assert.Throws<ArgumentException>(() => model.PredictBatch(ReadOnlySpan<float>.Empty, Span<float>.Empty));
        Assert.Throws<ArgumentException>(() => model.PredictBatch(inputs, outputs, new[] { 1, 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictBatch(inputs, outputs, new[] { 1, 4, 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictBatch(inputs, outputs, new[] { 1, 0, 2 }, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictBatch(inputs, outputs, default, 0));
        Assert.All(outputs, v => Assert.Equal(0f, v));

        float[] targets = new float[3 * output];
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateGradientsBatch(inputs, targets, new[] { 2, 2, 9 }));
        Assert.Throws<ArgumentException>(() => model.AccumulateGradientsBatch(inputs, targets.AsSpan(2), default));
        Assert.All(model.Gradients.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void PredictBatch_on_one_thread_allocates_nothing()
    {
        var model = new JumpDetector(seed: 1);
        float[] inputs = Values(4 * JumpDetector.SequenceLength * JumpDetector.InputSize, 8);
        float[] outputs = new float[4];
        int[] lengths = { 30, 12, 1, 29 };
        model.PredictBatch(inputs, outputs, lengths);
        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            model.PredictBatch(inputs, outputs, lengths);
            model.PredictBatch(inputs, outputs, lengths, degreeOfParallelism: 1);
        }));
    }

    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
