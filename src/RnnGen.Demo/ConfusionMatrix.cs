using System;

namespace RnnGen.Demo;

/// <summary>How the detector's verdicts (P(jump) &gt; 0.5) split against the labels.</summary>
public readonly record struct ConfusionMatrix(int TruePositives, int FalseNegatives, int FalsePositives, int TrueNegatives)
{
    /// <summary>The decision threshold: a sequence is called a jump when P(jump) is above it.</summary>
    public const float Threshold = 0.5f;

    public int Count => TruePositives + FalseNegatives + FalsePositives + TrueNegatives;

    public int Correct => TruePositives + TrueNegatives;

    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;

    /// <summary>Counts the verdicts of <paramref name="probabilities"/> against the samples' labels.</summary>
    /// <param name="samples">The labelled sequences.</param>
    /// <param name="probabilities">P(jump) for each, in the same order.</param>
    /// <returns>The matrix.</returns>
    public static ConfusionMatrix Of(ReadOnlySpan<JumpSample> samples, ReadOnlySpan<float> probabilities)
    {
        if (samples.Length != probabilities.Length)
        {
            throw new ArgumentException($"{samples.Length} samples but {probabilities.Length} probabilities", nameof(probabilities));
        }

        int truePositives = 0, falseNegatives = 0, falsePositives = 0, trueNegatives = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            bool called = probabilities[i] > Threshold;
            if (samples[i].IsJump)
            {
                if (called)
                {
                    truePositives++;
                }
                else
                {
                    falseNegatives++;
                }
            }
            else if (called)
            {
                falsePositives++;
            }
            else
            {
                trueNegatives++;
            }
        }

        return new ConfusionMatrix(truePositives, falseNegatives, falsePositives, trueNegatives);
    }
}
