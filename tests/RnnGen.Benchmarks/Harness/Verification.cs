using System;
using System.Collections.Generic;
using System.IO;

namespace RnnGen.Benchmarks;

/// <summary>
/// Checks that a generated model and its naive twin compute the same thing on one sequence before anything is timed:
/// Predict, every output of T Steps and, where the naive side trains, the loss and every gradient (and the generated
/// AccumulateGradientsBatch against its own AccumulateGradients in a loop). Values agree when
/// <c>|a - b| &lt;= 1e-4 * max(1, |a|, |b|)</c>. The <c>--verify</c> mode also counts what the generated Predict, Step
/// and TrainStep allocate on the calling thread once warm (BenchmarkDotNet's in-process memory column counts every
/// thread of the process).
/// </summary>
public static class Verification
{
    /// <summary>The largest difference allowed, relative to values above 1.</summary>
    public const float Tolerance = 1e-4f;

    /// <summary>The worst relative difference of each check for one model.</summary>
    public static IReadOnlyList<(string Check, float WorstDifference)> Compare(Cell cell, int hidden)
    {
        ITrainableModel generated = ModelCatalog.Generated(cell, hidden);
        IRecurrentModel naive = ModelCatalog.Naive(cell, hidden, generated);
        float[] input = ModelCatalog.RandomValues(ModelCatalog.SequenceLength * hidden, seed: 1);
        float[] target = [0.5f];
        var results = new List<(string, float)>();

        float[] expected = new float[1];
        float[] actual = new float[1];
        naive.Predict(input, expected);
        generated.Predict(input, actual);
        results.Add(("Predict", Difference(actual[0], expected[0])));

        // a batch of 3 on 2 threads, each sequence against the naive Predict
        float[] batch = ModelCatalog.RandomValues(3 * ModelCatalog.SequenceLength * hidden, seed: 2);
        float[] batchOutput = new float[3];
        generated.PredictBatch(batch, batchOutput, default, 2);
        float worstBatch = 0f;
        for (int i = 0; i < 3; i++)
        {
            naive.Predict(batch.AsSpan(i * ModelCatalog.SequenceLength * hidden, ModelCatalog.SequenceLength * hidden), expected);
            worstBatch = Math.Max(worstBatch, Difference(batchOutput[i], expected[0]));
        }

        results.Add(("PredictBatch", worstBatch));

        float worstStep = 0f;
        naive.ResetState();
        generated.ResetState();
        for (int t = 0; t < ModelCatalog.SequenceLength; t++)
        {
            ReadOnlySpan<float> x = input.AsSpan(t * hidden, hidden);
            naive.Advance(x, expected);
            generated.Advance(x, actual);
            worstStep = MathF.Max(worstStep, Difference(actual[0], expected[0]));
        }

        results.Add(("Step x T", worstStep));

        if (naive is ITrainableModel trainable)
        {
            trainable.ZeroGradients();
            generated.ZeroGradients();
            float expectedLoss = trainable.AccumulateGradients(input, target);
            float actualLoss = generated.AccumulateGradients(input, target);
            results.Add(("loss", Difference(actualLoss, expectedLoss)));

            float worstGradient = 0f;
            ReadOnlySpan<float> expectedGradients = trainable.Gradients;
            ReadOnlySpan<float> actualGradients = generated.Gradients;
            for (int i = 0; i < expectedGradients.Length; i++)
            {
                worstGradient = MathF.Max(worstGradient, Difference(actualGradients[i], expectedGradients[i]));
            }

            results.Add(("gradients", worstGradient));
        }

        // AccumulateGradientsBatch (a lockstep group of four and one more) against the same five sequences one by one
        float[] trainBatch = ModelCatalog.RandomValues(5 * ModelCatalog.SequenceLength * hidden, seed: 3);
        float[] trainTargets = ModelCatalog.RandomValues(5, seed: 4);
        int sequence = ModelCatalog.SequenceLength * hidden;
        generated.ZeroGradients();
        for (int i = 0; i < 5; i++)
        {
            generated.AccumulateGradients(trainBatch.AsSpan(i * sequence, sequence), trainTargets.AsSpan(i, 1));
        }

        float[] looped = generated.Gradients.ToArray();
        generated.ZeroGradients();
        generated.AccumulateGradientsBatch(trainBatch, trainTargets, default);
        float worstBatchGradient = 0f;
        for (int i = 0; i < looped.Length; i++)
        {
            worstBatchGradient = MathF.Max(worstBatchGradient, Difference(generated.Gradients[i], looped[i]));
        }

        results.Add(("batch gradients", worstBatchGradient));

        // the same batch on 2 threads (a group on each): the same sums in another order
        generated.ZeroGradients();
        float[] eight = ModelCatalog.RandomValues(8 * sequence, seed: 5);
        float[] eightTargets = ModelCatalog.RandomValues(8, seed: 6);
        generated.AccumulateGradientsBatch(eight, eightTargets, default);
        float[] oneThread = generated.Gradients.ToArray();
        generated.ZeroGradients();
        generated.AccumulateGradientsBatch(eight, eightTargets, default, 2);
        float worstThreads = 0f;
        for (int i = 0; i < oneThread.Length; i++)
        {
            worstThreads = MathF.Max(worstThreads, Difference(generated.Gradients[i], oneThread[i]));
        }

        results.Add(("2-thread batch gradients", worstThreads));
        generated.ZeroGradients();
        return results;
    }

    /// <summary>Throws unless every check of <see cref="Compare"/> passes: no figure is taken of code that computes something else.</summary>
    public static void EnsureAgreement(Cell cell, int hidden)
    {
        foreach ((string check, float worst) in Compare(cell, hidden))
        {
            if (!(worst <= Tolerance))
            {
                throw new InvalidOperationException(
                    $"{cell}{hidden}: the generated and the naive model disagree on {check} (relative difference {worst:G3} > {Tolerance:G3}).");
            }
        }
    }

    /// <summary>The <c>--verify</c> mode: every model, one line each; true when all agree.</summary>
    public static bool Run(TextWriter output)
    {
        bool allAgree = true;
        foreach (Cell cell in Enum.GetValues<Cell>())
        {
            foreach (int hidden in ModelCatalog.HiddenSizes)
            {
                var line = new List<string>();
                bool agree = true;
                foreach ((string check, float worst) in Compare(cell, hidden))
                {
                    line.Add($"{check} {worst:E1}");
                    agree &= worst <= Tolerance;
                }

                long allocated = GeneratedAllocations(cell, hidden);
                line.Add($"generated allocations {allocated} B");
                agree &= allocated == 0;
                allAgree &= agree;
                output.WriteLine($"{(agree ? "ok  " : "FAIL")} {cell}{hidden}: {string.Join(", ", line)}");
            }
        }

        output.WriteLine(allAgree
            ? $"Generated and naive models agree within {Tolerance:G3}; the generated paths allocate nothing once warm."
            : $"Some models disagree by more than {Tolerance:G3} or allocate.");
        return allAgree;
    }

    /// <summary>Bytes allocated on this thread by 10 calls each of the generated Predict, Step and TrainStep after one warm-up call.</summary>
    public static long GeneratedAllocations(Cell cell, int hidden)
    {
        ITrainableModel generated = ModelCatalog.Generated(cell, hidden);
        float[] input = ModelCatalog.RandomValues(ModelCatalog.SequenceLength * hidden, seed: 1);
        float[] target = [0.5f];
        float[] y = new float[1];
        ReadOnlySpan<float> x = input.AsSpan(0, hidden);
        generated.Predict(input, y);
        generated.Advance(x, y);
        generated.TrainStep(input, target);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int call = 0; call < 10; call++)
        {
            generated.Predict(input, y);
            generated.Advance(x, y);
            generated.TrainStep(input, target);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static float Difference(float actual, float expected) =>
        MathF.Abs(actual - expected) / MathF.Max(1f, MathF.Max(MathF.Abs(actual), MathF.Abs(expected)));
}
