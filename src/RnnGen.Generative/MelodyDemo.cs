using System;
using System.Globalization;
using System.Linq;
using RnnGen.Samples;

namespace RnnGen.Generative;

/// <summary>
/// Trains <see cref="MelodyWriter"/> on synthetic melodies (<see cref="Melodies"/>) by teacher forcing, then writes
/// melodies with it and checks them: pitches in the scale, the A A B A form, the length and the final C.
/// </summary>
public static class MelodyDemo
{
    /// <summary>Optimizer steps of <c>melody</c>; the demo of both models takes half.</summary>
    public const int DefaultSteps = 1500;

    /// <summary>Windows per optimizer step (two halves, one per model copy).</summary>
    public const int BatchSize = 16;

    /// <summary>Melodies in the training stream.</summary>
    public const int TrainingMelodies = 4000;

    /// <summary>Sampling temperature of every melody shown and checked.</summary>
    public const float Temperature = 0.8f;

    /// <summary>Melodies (seeds 1..) that the check generates.</summary>
    public const int CheckedMelodies = 50;

    /// <summary>Trains for <paramref name="steps"/> optimizer steps and reports; returns the check of the trained model.</summary>
    public static MelodyCheck Run(int steps)
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
        return check;
    }
}

/// <summary>
/// What <see cref="MelodyDemo.CheckedMelodies"/> generated melodies show: the share of their pitches in the scale, how many stop
/// after exactly <see cref="Melodies.Length"/> tokens, how many repeat their first phrase as the second (A A) and as
/// the fourth (A B A, the last note aside, which the generator turns into a C), and how many end on a C.
/// </summary>
public sealed record MelodyCheck(int Count, int Pitches, int InScale, int FullLength, int RepeatSecond, int RepeatFourth, int EndOnC)
{
    private const int CheckedMelodies = MelodyDemo.CheckedMelodies;

    /// <summary>Generates <see cref="MelodyDemo.CheckedMelodies"/> melodies with seeds 1.. and checks them.</summary>
    public static MelodyCheck Of(MelodyWriter model)
    {
        int[] output = new int[2 * Melodies.Length];
        int pitches = 0, inScale = 0, full = 0, second = 0, fourth = 0, endOnC = 0;
        for (int seed = 1; seed <= CheckedMelodies; seed++)
        {
            int count = model.Generate([Melodies.Stop], output, MelodyDemo.Temperature, seed);
            int[] melody = output[..count];
            pitches += melody.Count(Melodies.IsPitch);
            inScale += melody.Count(Melodies.InScale);
            const int P = Melodies.PhraseLength;
            if (count == Melodies.Length + 1 && melody[^1] == Melodies.Stop)
            {
                full++;
                second += melody.AsSpan(P, P).SequenceEqual(melody.AsSpan(0, P)) ? 1 : 0;
                fourth += melody.AsSpan(3 * P, P - 1).SequenceEqual(melody.AsSpan(0, P - 1)) ? 1 : 0;
                int last = melody[^2];
                endOnC += last == Melodies.DegreeToken(0) || last == Melodies.DegreeToken(5) ? 1 : 0;
            }
        }

        return new MelodyCheck(CheckedMelodies, pitches, inScale, full, second, fourth, endOnC);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(double)InScale / Math.Max(Pitches, 1):P0} of {Pitches} pitches in the scale; of {Count} melodies, {FullLength} of {Melodies.Length} notes then the stop, " +
        $"among them {RepeatSecond} A A, {RepeatFourth} A .. A, {EndOnC} ending on C");
}
