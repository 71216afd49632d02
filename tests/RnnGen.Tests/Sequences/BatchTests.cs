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
        double[] inputs = RandomInputs(model, count, random);

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

    /// <summary>Every model with AccumulateGradientsBatch in this assembly.</summary>
    public static IEnumerable<object[]> TrainingBatchModels() => ModelHandle.ModelTypes
        .Where(t => ModelHandle.HasMethod(t, "AccumulateGradientsBatch"))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .Select(t => new object[] { t.Name });

    /// <summary>
    /// AccumulateGradientsBatch trains four sequences at a time in lockstep (each step's products with W_hh, W_hh^T and
    /// W_ih^T read W once for the four) and the rest one by one: 11 sequences = two groups and three singles, lengths
    /// differing inside a group and in full. Each sequence keeps its own buffers and its weight gradients are added in
    /// sequence order, so the gradients and the mean loss equal those of 11 AccumulateGradients calls bit for bit, but
    /// for the peephole and W_hr gradients, which the backward step adds step by step: there the four sequences' terms
    /// interleave, a different order of the same sums (within 1e-5 of the largest gradient in float32, 1e-12 in float64,
    /// a few roundings of a sum of at most 11 x 100 terms). Dropout models draw the same masks: both instances start
    /// from the same seed and the batch draws them in sequence order.
    /// </summary>
    [Theory]
    [MemberData(nameof(TrainingBatchModels))]
    public void AccumulateGradientsBatch_equals_the_sequential_calls_on_every_model(string className)
    {
        ModelHandle batch = ModelHandle.Create(className, seed: 5);
        ModelHandle sequential = ModelHandle.Create(className, seed: 5);
        int steps = batch.SequenceLength;
        int count = 11;
        var random = new Random(className.Length * 977);
        double[] inputs = RandomInputs(batch, count, random);
        int perTarget = batch.HasClassTargets ? batch.OutputLength : batch.OutputLength * batch.OutputSize;
        double[] targets = RandomTargets(batch, count, random, ignoreSome: true);

        int[] lengths = Enumerable.Range(0, count).Select(i => i % 5 == 0 ? steps : 1 + random.Next(steps)).ToArray();
        bool exact = !batch.Layout.Any(p => p.Name.Contains("peephole", StringComparison.Ordinal) || p.Name.Contains("weight_hr", StringComparison.Ordinal));
        foreach (int[]? batchLengths in new[] { lengths, null })
        {
            batch.ZeroGradients();
            sequential.ZeroGradients();
            double mean = batch.AccumulateBatch(inputs, targets, batchLengths);
            double sum = 0;
            for (int i = 0; i < count; i++)
            {
                double loss = sequential.AccumulateStates(
                    inputs.AsSpan(i * batch.InputPerSequence, batch.InputPerSequence).ToArray(),
                    targets.AsSpan(i * perTarget, perTarget).ToArray(),
                    batchLengths?[i] ?? steps,
                    null,
                    null).Loss;
                sum = batch.IsDouble ? sum + loss : (float)sum + (float)loss;
            }

            double expectedMean = batch.IsDouble ? sum / count : (float)sum / count;
            Assert.Equal(expectedMean, mean);
            double[] expected = sequential.GetGradients();
            double[] actual = batch.GetGradients();
            Assert.Contains(expected, v => v != 0);
            if (exact)
            {
                int first = Enumerable.Range(0, expected.Length).FirstOrDefault(i => expected[i] != actual[i], -1);
                Assert.True(first < 0, $"{className}: gradient {first} differs from the sequential calls': {(first < 0 ? 0 : expected[first])} vs {(first < 0 ? 0 : actual[first])}");
            }
            else
            {
                double scale = expected.Max(Math.Abs);
                double tolerance = (batch.IsDouble ? 1e-12 : 1e-5) * scale;
                double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
                Assert.True(worst <= tolerance, $"{className}: max |diff| {worst} over {tolerance}");
            }
        }
    }

    /// <summary>
    /// The threaded overload: 19 sequences (four groups and three more) on 2 and on 3 threads (shares of whole groups:
    /// 8 + 11, and 4 + 4 + 11) against the one-thread call. The shares' gradients are added in share order, the same sums in another
    /// order: within 1e-5 of the largest gradient in float32 (1e-12 in float64), added onto gradients already there.
    /// With dropout each worker draws its own masks, so that model is held to determinism instead: the same seed and
    /// degree give the same gradients bit for bit. Degree 1 is the one-thread call, bit for bit.
    /// </summary>
    [Theory]
    [MemberData(nameof(TrainingBatchModels))]
    public void AccumulateGradientsBatch_on_threads_equals_one_thread_within_rounding(string className)
    {
        ModelHandle probe = ModelHandle.Create(className, seed: 5);
        int steps = probe.SequenceLength;
        int count = 19;
        var random = new Random(className.Length * 389);
        double[] inputs = RandomInputs(probe, count, random);
        double[] targets = RandomTargets(probe, count, random, ignoreSome: false);

        int[] lengths = Enumerable.Range(0, count).Select(i => 1 + random.Next(steps)).ToArray();
        bool dropout = ModelHandle.HasMethod(probe.Type, "SeedDropout");

        (double Loss, double[] Gradients) Run(int? degree)
        {
            ModelHandle model = ModelHandle.Create(className, seed: 5);
            model.ZeroGradients();
            model.AccumulateBatch(inputs, targets, lengths);   // gradients already there, which the batch adds to
            double loss = degree is int d ? model.AccumulateBatch(inputs, targets, lengths, d) : model.AccumulateBatch(inputs, targets, lengths);
            return (loss, model.GetGradients());
        }

        (double oneLoss, double[] one) = Run(null);
        (double degreeOneLoss, double[] degreeOne) = Run(1);
        Assert.Equal(oneLoss, degreeOneLoss);
        Assert.Equal(one, degreeOne);
        foreach (int degree in new[] { 2, 3 })
        {
            (double loss, double[] threaded) = Run(degree);
            if (dropout)
            {
                (double again, double[] threadedAgain) = Run(degree);
                Assert.Equal(loss, again);
                Assert.Equal(threaded, threadedAgain);
                continue;
            }

            double scale = one.Max(Math.Abs);
            double tolerance = (probe.IsDouble ? 1e-12 : 1e-5) * scale;
            double worst = one.Zip(threaded, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst <= tolerance, $"{className} on {degree} threads: max |diff| {worst} over {tolerance}");
            Assert.True(Math.Abs(loss - oneLoss) <= (probe.IsDouble ? 1e-12 : 1e-5) * Math.Max(1, Math.Abs(oneLoss)), $"{className}: loss {loss} vs {oneLoss}");
        }
    }

    [Fact]
    public void AccumulateGradientsBatch_checks_every_token_and_class_before_it_adds()
    {
        var model = new PaddedTokenTagger(seed: 2);
        int sequence = PaddedTokenTagger.SequenceLength;
        int steps = PaddedTokenTagger.OutputLength;
        int[] tokens = Enumerable.Range(0, 5 * sequence).Select(i => 1 + (i % 6)).ToArray();
        int[] classes = new int[5 * steps];
        tokens[(4 * sequence) + 2] = PaddedTokenTagger.VocabSize;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateGradientsBatch(tokens, classes, default));
        Assert.Equal($"inputs[{(4 * sequence) + 2}]", error.ParamName);
        Assert.All(model.Gradients.ToArray(), v => Assert.Equal(0f, v));

        tokens[(4 * sequence) + 2] = 1;
        classes[(4 * steps) + 1] = PaddedTokenTagger.OutputSize;
        error = Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateGradientsBatch(tokens, classes, default));
        Assert.Equal($"targets[{(4 * steps) + 1}]", error.ParamName);
        Assert.All(model.Gradients.ToArray(), v => Assert.Equal(0f, v));

        // past a sequence's length neither its tokens nor its class ids are read, so they are not checked either
        tokens[(4 * sequence) + 2] = -1;
        model.AccumulateGradientsBatch(tokens, classes, new[] { sequence, sequence, sequence, sequence, 1 });
        Assert.Contains(model.Gradients.ToArray(), v => v != 0);
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

    /// <summary>
    /// AccumulateGradientsBatch on one thread (both overloads) allocates nothing once its buffers exist; on two threads the
    /// calling thread allocates only Parallel.For's bookkeeping (about 2 KB by BenchmarkDotNet; the bound leaves room for
    /// the runtime's allocation-context accounting), not a worker model or training buffers (tens of KB here) per call.
    /// </summary>
    [Fact]
    public void AccumulateGradientsBatch_allocates_nothing_on_one_thread_and_little_on_two()
    {
        var model = new JumpDetector(seed: 1);
        float[] inputs = Values(9 * JumpDetector.SequenceLength * JumpDetector.InputSize, 8);
        float[] targets = Values(9, 9).Select(v => (v + 1) / 2).ToArray();
        int[] lengths = { 30, 12, 1, 29, 30, 7, 8, 30, 2 };
        model.AccumulateGradientsBatch(inputs, targets, lengths);
        model.AccumulateGradientsBatch(inputs, targets, lengths, degreeOfParallelism: 2);
        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            model.AccumulateGradientsBatch(inputs, targets, lengths);
            model.AccumulateGradientsBatch(inputs, targets, lengths, degreeOfParallelism: 1);
        }));
        long threaded = Allocations.SteadyState(() => model.AccumulateGradientsBatch(inputs, targets, lengths, degreeOfParallelism: 2));
        Assert.InRange(threaded, 0, 16 * 1024);
    }

    /// <summary>Inputs of <paramref name="count"/> sequences: token ids, or features in [-2, 2).</summary>
    private static double[] RandomInputs(ModelHandle model, int count, Random random)
    {
        double[] inputs = new double[count * model.InputPerSequence];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = model.IsTokens ? random.Next(model.Constant("VocabSize")) : (random.NextDouble() * 4) - 2;
        }

        return inputs;
    }

    /// <summary>Targets of <paramref name="count"/> sequences: class ids (every 7th step ignored, -100, when asked), or reals in [0, 1).</summary>
    private static double[] RandomTargets(ModelHandle model, int count, Random random, bool ignoreSome)
    {
        int perTarget = model.HasClassTargets ? model.OutputLength : model.OutputLength * model.OutputSize;
        double[] targets = new double[count * perTarget];
        for (int i = 0; i < targets.Length; i++)
        {
            targets[i] = model.HasClassTargets ? (ignoreSome && i % 7 == 3 ? -100 : random.Next(model.OutputSize)) : random.NextDouble();
        }

        return targets;
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
