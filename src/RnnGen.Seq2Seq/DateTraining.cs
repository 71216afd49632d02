using System;
using System.Diagnostics;

namespace RnnGen.Seq2Seq;

/// <summary>What one training run of the demo did and reached.</summary>
/// <param name="Model">The trained model.</param>
/// <param name="Pairs">Training pairs read (teacher-forced), in batches of <see cref="DateTraining.BatchSize"/>.</param>
/// <param name="Elapsed">Wall-clock time of the training, validation checks included, the final test excluded.</param>
/// <param name="ValidationAccuracy">Exact matches on the validation dates when training stopped.</param>
/// <param name="HeldOutAccuracy">Exact matches on the held-out dates, which training never sees nor checks.</param>
/// <param name="StoppedEarly">Whether training stopped on the validation target rather than on a budget.</param>
internal sealed record DateTrainingResult(DateRewriter Model, long Pairs, TimeSpan Elapsed, double ValidationAccuracy, double HeldOutAccuracy, bool StoppedEarly);

/// <summary>
/// The demo's training, shared by <c>Program.cs</c> and the test that holds the demo to its floor: Adam with the spec's
/// settings on fresh random dates (training seed 7), one update per <see cref="BatchSize"/> pairs. Every
/// <see cref="CheckEvery"/> pairs it decodes the <see cref="ValidationCount"/> validation dates greedily and stops once
/// <see cref="ValidationTarget"/> of them come out exactly right, or at <see cref="MaxPairs"/>, or when the time budget
/// runs out. Then it decodes the <see cref="HeldOutCount"/> held-out dates. The three sets come from three seeds, and
/// everything is single-threaded, so a run is the same on every machine unless the time budget cuts it short.
/// </summary>
internal static class DateTraining
{
    public const int BatchSize = 32;
    public const int CheckEvery = 100 * BatchSize;
    public const long MaxPairs = 400_000;
    public const int ValidationCount = 500;
    public const int HeldOutCount = 2000;
    public const double ValidationTarget = 0.99;
    public const int ModelSeed = 1;
    public const int TrainingSeed = 7;
    public const int ValidationSeed = 20261121;
    public const int HeldOutSeed = 20261122;

    /// <summary>A set of dates drawn from a seed: each input padded to the encoder's length, its length, its text and the ISO answer.</summary>
    public static (int[] Input, int Length, string Text, string Expected)[] Draw(int seed, int count)
    {
        var random = new InitRandom(seed);
        var target = new int[DateRewriter.OutputLength];
        var set = new (int[] Input, int Length, string Text, string Expected)[count];
        for (int i = 0; i < count; i++)
        {
            var input = new int[DateRewriter.SequenceLength];
            string text = Dates.Next(ref random, input, out int length, target);
            set[i] = (input, length, text, Dates.Text(target));
        }

        return set;
    }

    /// <summary>The fraction of <paramref name="set"/> that greedy decoding rewrites exactly.</summary>
    public static double Accuracy(DateRewriter model, (int[] Input, int Length, string Text, string Expected)[] set)
    {
        var decoded = new int[DateRewriter.OutputLength];
        int right = 0;
        foreach (var (input, length, _, expected) in set)
        {
            int count = model.Decode(input, decoded, length);
            right += Dates.Text(decoded.AsSpan(0, count)) == expected ? 1 : 0;
        }

        return (double)right / set.Length;
    }

    /// <summary>Trains a new model; <paramref name="progress"/> hears of each validation check.</summary>
    public static DateTrainingResult Train(TimeSpan budget, Action<string>? progress = null)
    {
        var model = new DateRewriter(ModelSeed);
        var validation = Draw(ValidationSeed, ValidationCount);
        var heldOut = Draw(HeldOutSeed, HeldOutCount);
        var input = new int[DateRewriter.SequenceLength];
        var target = new int[DateRewriter.OutputLength];
        var random = new InitRandom(TrainingSeed);

        var clock = Stopwatch.StartNew();
        long pairs = 0;
        double validationAccuracy = 0;
        bool reached = false;
        while (!reached && pairs < MaxPairs && clock.Elapsed < budget)
        {
            double loss = 0;
            for (int batch = 0; batch < CheckEvery / BatchSize; batch++)
            {
                for (int i = 0; i < BatchSize; i++)
                {
                    Dates.Next(ref random, input, out int length, target);
                    loss += model.AccumulateGradients(input, target, length);
                }

                model.ApplyGradients(BatchSize); // the mean gradient of the batch, clipped, one Adam step
            }

            pairs += CheckEvery;
            validationAccuracy = Accuracy(model, validation);
            reached = validationAccuracy >= ValidationTarget;
            progress?.Invoke($"{clock.Elapsed.TotalSeconds,6:F1} s  {pairs,7} pairs  loss {loss / CheckEvery:F4}  validation exact match {validationAccuracy:P1}");
        }

        TimeSpan elapsed = clock.Elapsed;
        return new DateTrainingResult(model, pairs, elapsed, validationAccuracy, Accuracy(model, heldOut), reached);
    }
}
