using System;
using System.Globalization;
using System.Linq;
using RnnGen.Samples;

namespace RnnGen.Generative;

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
        $"{100.0 * InScale / Math.Max(Pitches, 1):F0}% of {Pitches} pitches in the scale; of {Count} melodies {FullLength} have {Melodies.Length} notes " +
        $"and then the end token; of these, {RepeatSecond} repeat phrase A as phrase 2, {RepeatFourth} as phrase 4, {EndOnC} end on a C");
}
