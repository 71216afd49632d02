using System;

namespace RnnGen.Demo;

/// <summary>The C# detector's results set against PyTorch's for the same weights and sequences.</summary>
/// <param name="Probabilities">For the reference's first sequences: PyTorch's P(jump), the C# one, and their label.</param>
/// <param name="MaxDifference">The largest |C# - PyTorch| among them.</param>
/// <param name="LabelsMatch">Whether the C# generator gave those sequences the labels Python gave them.</param>
/// <param name="Correct">Sequences the C# detector got right.</param>
/// <param name="ReferenceCorrect">Sequences PyTorch got right.</param>
public sealed record Comparison((double PyTorch, float CSharp, bool IsJump)[] Probabilities, double MaxDifference, bool LabelsMatch, int Correct, int ReferenceCorrect)
{
    /// <summary>
    /// The float32 tolerance of the parity tests (docs/fixtures.md): a few float32 ulps accumulated through 30 LSTM
    /// steps. The reference is exact (float64), so this bounds the C# class's own rounding.
    /// </summary>
    public const double Tolerance = 1e-5;

    /// <summary>
    /// How many verdicts may differ from PyTorch's: a sequence whose P(jump) is within float32 rounding of 0.5 can
    /// fall on either side; anything beyond a couple is a real difference.
    /// </summary>
    public const int VerdictTolerance = 2;

    /// <summary>The probabilities agree within <see cref="Tolerance"/>, the labels match and so does the accuracy.</summary>
    public bool Passed => LabelsMatch && MaxDifference <= Tolerance && Math.Abs(Correct - ReferenceCorrect) <= VerdictTolerance;

    /// <summary>Compares the C# results with the reference.</summary>
    /// <param name="reference">PyTorch's results.</param>
    /// <param name="samples">The sequences the C# generator made.</param>
    /// <param name="probabilities">The C# P(jump) of each.</param>
    /// <param name="correct">The C# detector's correct verdicts.</param>
    /// <returns>The comparison.</returns>
    public static Comparison Of(PyTorchReference reference, JumpSample[] samples, float[] probabilities, int correct)
    {
        int n = Math.Min(reference.Probabilities.Length, samples.Length);
        var rows = new (double, float, bool)[n];
        double worst = n == reference.Probabilities.Length ? 0 : double.PositiveInfinity;
        bool labelsMatch = samples.Length == reference.Count;
        for (int i = 0; i < n; i++)
        {
            rows[i] = (reference.Probabilities[i], probabilities[i], samples[i].IsJump);
            worst = Math.Max(worst, Math.Abs(probabilities[i] - reference.Probabilities[i]));
            labelsMatch &= samples[i].IsJump == (reference.Labels[i] == 1);
        }

        return new Comparison(rows, worst, labelsMatch, correct, reference.Correct);
    }
}
