using System;
using System.Globalization;
using RnnGen.Samples;

namespace RnnGen.Generative;

/// <summary>
/// Trains <see cref="MelodyWriter"/> on synthetic melodies (<see cref="Melodies"/>) by teacher forcing, then writes
/// melodies with it and checks them: pitches in the scale, the A A B A form, the length and the final C.
/// </summary>
public static class MelodyDemo
{
    /// <summary>Optimizer steps of <c>melody</c>; the demo of both models takes half.</summary>
    public const int DefaultSteps = 3000;

    /// <summary>Windows per optimizer step (two halves, one per model copy).</summary>
    public const int BatchSize = 16;

    /// <summary>Melodies in the training stream.</summary>
    public const int TrainingMelodies = 4000;

    /// <summary>Sampling temperature of every melody shown and checked.</summary>
    public const float Temperature = 0.8f;

    /// <summary>Melodies (seeds 1..) that the check generates.</summary>
    public const int CheckedMelodies = 50;

    /// <summary>Trains for <paramref name="steps"/> optimizer steps and reports.</summary>
    public static void Run(int steps)
    {
        int[] stream = Melodies.Stream(TrainingMelodies, new Random(1));
        Console.WriteLine($"Melodies: {TrainingMelodies} synthetic melodies (A A B A, {Melodies.PhraseLength} notes a phrase, C major pentatonic), " +
            $"{stream.Length:N0} tokens; for example:");
        Console.WriteLine("    " + Melodies.Format(stream.AsSpan(0, Melodies.Length)));
        Console.WriteLine($"MelodyWriter: {MelodyWriter.VocabSize} tokens (stop, rest, C4..B5) embedded in {MelodyWriter.InputSize}, lstm, softmax; " +
            $"{MelodyWriter.ParameterCount:N0} parameters; windows of {MelodyWriter.SequenceLength + 1} tokens");
        MelodyCheck untrained = MelodyCheck.Of(new MelodyWriter(seed: 1));
        Console.WriteLine($"Untrained: {untrained}");
        Console.WriteLine();
        var trainer = new WindowTrainer<MelodyWriter>(new MelodyWriter(seed: 1), new MelodyWriter(seed: 1), stream, MelodyWriter.SequenceLength + 1, seed: 1);
        Console.WriteLine($"Training: {steps} Adam steps of {BatchSize} windows, learning rate {trainer.Model.LearningRate} (the spec's); " +
            $"sample at temperature {Temperature}, seed 1, from the stop token");

        var progress = new Progress(TimeSpan.FromSeconds(4));
        int[] output = new int[2 * Melodies.Length];
        int lastSteps = Math.Min(100, steps);
        double lastLoss = 0;
        for (int step = 1; step <= steps; step++)
        {
            float loss = trainer.Step(BatchSize);
            lastLoss += step > steps - lastSteps ? loss / lastSteps : 0;
            if (progress.Add(loss, force: step == steps))
            {
                int count = trainer.Model.Generate([Melodies.Stop], output, Temperature, seed: 1);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {progress.Elapsed.TotalSeconds,5:F1} s  step {step,5}  loss {progress.TakeMeanLoss():F3}  {Melodies.Format(output.AsSpan(0, count))}"));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Trained in {progress.Elapsed.TotalSeconds:F1} s: {trainer.Windows:N0} windows; mean loss of the last {lastSteps} steps {lastLoss:F3} nats per token"));
        Console.WriteLine();
        for (int seed = 1; seed <= 4; seed++)
        {
            int count = trainer.Model.Generate([Melodies.Stop], output, Temperature, seed);
            Console.WriteLine($"Melody, temperature {Temperature}, seed {seed}:");
            Console.WriteLine("    " + Melodies.Format(output.AsSpan(0, count)));
        }

        MelodyCheck check = MelodyCheck.Of(trainer.Model);
        Console.WriteLine();
        Console.WriteLine($"Check of {CheckedMelodies} melodies (temperature {Temperature}, seeds 1..{CheckedMelodies}): {check}");
        Console.WriteLine($"  (untrained: {untrained}; the training melodies: 100% in the scale, every one A A B A of {Melodies.Length} notes ending on C)");
    }
}
