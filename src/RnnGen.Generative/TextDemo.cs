using System;
using System.Globalization;
using RnnGen.Samples;

namespace RnnGen.Generative;

/// <summary>
/// Trains <see cref="CharWriter"/> on the repository's documentation (<see cref="Corpus"/>) by teacher forcing, then
/// writes text with it and counts how many of the words it writes occur in the corpus.
/// </summary>
public static class TextDemo
{
    /// <summary>Optimizer steps of <c>text</c>; the demo of both models takes half.</summary>
    public const int DefaultSteps = 1500;

    /// <summary>Windows per optimizer step (two halves, one per model copy).</summary>
    public const int BatchSize = 16;

    /// <summary>The share of the steps taken at the spec's learning rate; a third of it after.</summary>
    public const double FastFraction = 0.8;

    /// <summary>Sampling temperature of every sample shown and measured.</summary>
    public const float Temperature = 0.8f;

    /// <summary>Samples (seeds 1..) whose words are counted at the end.</summary>
    public const int MeasuredSamples = 10;

    /// <summary>The prime of every sample.</summary>
    public const string Prime = "The ";

    /// <summary>Trains for <paramref name="steps"/> optimizer steps and reports.</summary>
    public static void Run(int steps, Corpus corpus)
    {
        Console.WriteLine($"Corpus: {string.Join(", ", corpus.Files)}");
        Console.WriteLine($"  {corpus.Tokens.Length:N0} characters, {corpus.WordCount:N0} distinct words (runs of ASCII letters, any case)");
        Console.WriteLine($"CharWriter: {CharWriter.VocabSize} tokens embedded in {CharWriter.InputSize}, lstm, softmax; " +
            $"{CharWriter.ParameterCount:N0} parameters; windows of {CharWriter.SequenceLength + 1} characters");

        var untrained = new CharWriter(seed: 1);
        (int untrainedKnown, int untrainedTotal) = KnownWords(untrained, corpus);
        Console.WriteLine($"Untrained: {Percent(untrainedKnown, untrainedTotal)} of the words it writes occur in the corpus");
        Console.WriteLine();
        var trainer = new WindowTrainer<CharWriter>(new CharWriter(seed: 1), new CharWriter(seed: 1), corpus.Tokens, CharWriter.SequenceLength + 1, seed: 1);
        float rate = trainer.Model.LearningRate;
        Console.WriteLine($"Training: {steps} Adam steps of {BatchSize} windows, learning rate {rate} (the spec's) then {rate / 3:G3} " +
            $"after step {(int)(steps * FastFraction)}; sample at temperature {Temperature}, seed 1, prime \"{Prime}\"");

        var progress = new Progress(TimeSpan.FromSeconds(4));
        int[] output = new int[CharWriter.OutputLength];
        int[] prime = CharSet.Encode(Prime);
        int lastSteps = Math.Min(100, steps);
        double lastLoss = 0;
        for (int step = 1; step <= steps; step++)
        {
            trainer.Model.LearningRate = step <= steps * FastFraction ? rate : rate / 3;
            float loss = trainer.Step(BatchSize);
            lastLoss += step > steps - lastSteps ? loss / lastSteps : 0;
            if (progress.Add(loss, force: step == steps))
            {
                int count = trainer.Model.Generate(prime, output.AsSpan(0, 72), Temperature, seed: 1);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {progress.Elapsed.TotalSeconds,5:F1} s  step {step,5}  loss {progress.TakeMeanLoss():F3}  {Prime}{OneLine(CharSet.Decode(output.AsSpan(0, count)))}"));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Trained in {progress.Elapsed.TotalSeconds:F1} s: {trainer.Windows:N0} windows ({trainer.Windows * CharWriter.SequenceLength / (double)corpus.Tokens.Length:F1} passes over the corpus' characters); mean loss of the last {lastSteps} steps {lastLoss:F3} nats per character"));
        Console.WriteLine();

        for (int seed = 1; seed <= 2; seed++)
        {
            int count = trainer.Model.Generate(prime, output, Temperature, seed);
            Console.WriteLine($"Sample, temperature {Temperature}, seed {seed}:");
            Console.WriteLine(Indent(Prime + CharSet.Decode(output.AsSpan(0, count))));
            Console.WriteLine();
        }

        int greedy = trainer.Model.Generate(prime, output, 0, 0);
        Console.WriteLine("Greedy (temperature 0):");
        Console.WriteLine(Indent(Prime + CharSet.Decode(output.AsSpan(0, greedy))));
        Console.WriteLine();

        (int known, int total) = KnownWords(trainer.Model, corpus);
        Console.WriteLine($"Words of {MeasuredSamples} samples of {CharWriter.OutputLength} characters (temperature {Temperature}, seeds 1..{MeasuredSamples}) " +
            $"that occur in the corpus: {known}/{total} = {Percent(known, total)} (untrained: {Percent(untrainedKnown, untrainedTotal)})");
    }

    /// <summary>
    /// Known and all words (two letters or more) of <see cref="MeasuredSamples"/> samples of OutputLength characters each,
    /// not counting the prime.
    /// </summary>
    public static (int Known, int Total) KnownWords(CharWriter model, Corpus corpus)
    {
        int[] prime = CharSet.Encode(Prime);
        int[] output = new int[CharWriter.OutputLength];
        int known = 0, total = 0;
        for (int seed = 1; seed <= MeasuredSamples; seed++)
        {
            int count = model.Generate(prime, output, Temperature, seed);
            (int k, int t) = corpus.KnownWords(CharSet.Decode(output.AsSpan(0, count)));
            known += k;
            total += t;
        }

        return (known, total);
    }

    private static string Percent(int part, int whole) =>
        whole == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole:F0}%");

    private static string OneLine(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Indent(string text) => "    " + text.Replace("\n", "\n    ", StringComparison.Ordinal);
}
