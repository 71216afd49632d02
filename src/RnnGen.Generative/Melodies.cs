using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace RnnGen.Generative;

/// <summary>
/// The tokens of <c>MelodyWriter</c> (specs/melody_writer.rnn.yaml) and the synthetic melodies it learns.
/// </summary>
/// <remarks>
/// Tokens: 0 ends a melody (the spec's <c>stop</c>), 1 is a rest, 2..25 are the chromatic pitches C4..B5 (MIDI 60..83).
/// A melody is four phrases of <see cref="PhraseLength"/> tokens in the form A A B A, then the token 0. A phrase is a
/// walk on the C major pentatonic scale (C D E G A) over two octaves, degrees 0..9 (C4 to A5): it starts on a
/// degree drawn from 2..7 and moves by -2, -1, -1, +1, +1 or +2 degrees (each draw equally likely; a step that
/// would leave 0..9 is reflected), and each note but the first and the last is a rest with probability 1/8 (the walk
/// goes on under the rest). The last note of the melody is then replaced by the C (degree 0, 5) nearest its pitch, so every
/// melody ends home. Only the 10 pitches of the scale ever occur, of the 24 the vocabulary holds.
/// </remarks>
public static class Melodies
{
    /// <summary>The token that ends a melody.</summary>
    public const int Stop = 0;

    /// <summary>The rest token.</summary>
    public const int Rest = 1;

    /// <summary>Tokens per phrase.</summary>
    public const int PhraseLength = 4;

    /// <summary>Tokens of a melody before its stop token: A A B A.</summary>
    public const int Length = 4 * PhraseLength;

    /// <summary>Tokens in the vocabulary: stop, rest and 24 pitches.</summary>
    public const int VocabSize = 26;

    private const int LowestMidi = 60;
    private static readonly int[] ScaleSemitones = [0, 2, 4, 7, 9];
    private static readonly int[] Moves = [-2, -1, -1, 1, 1, 2];
    private static readonly int[] Degrees = [.. Enumerable.Range(0, 10).Select(DegreeToken)];
    private static readonly string[] PitchNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

    /// <summary>The pitch token of scale degree <paramref name="degree"/> (0..9: C4 D4 E4 G4 A4 C5 D5 E5 G5 A5).</summary>
    public static int DegreeToken(int degree) => 2 + 12 * (degree / 5) + ScaleSemitones[degree % 5];

    /// <summary>Whether <paramref name="token"/> is a pitch of the C major pentatonic scale.</summary>
    public static bool InScale(int token) =>
        token >= 2 && token < VocabSize && Array.IndexOf(ScaleSemitones, (token - 2) % 12) >= 0;

    /// <summary>Whether <paramref name="token"/> is a pitch (not stop, not rest).</summary>
    public static bool IsPitch(int token) => token >= 2 && token < VocabSize;

    /// <summary>A token's name: a note name with its octave (C4, F#5), "-" for a rest, "(end)" for the stop token.</summary>
    public static string Name(int token) => token switch
    {
        Stop => "(end)",
        Rest => "-",
        _ when IsPitch(token) => PitchNames[(token - 2) % 12] + (4 + (token - 2) / 12).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new ArgumentOutOfRangeException(nameof(token), token, $"tokens run from 0 to {VocabSize - 1}"),
    };

    /// <summary>Tokens as note names, a bar line between phrases of <see cref="PhraseLength"/>.</summary>
    public static string Format(ReadOnlySpan<int> tokens)
    {
        var text = new StringBuilder();
        for (int i = 0; i < tokens.Length; i++)
        {
            if (i > 0)
            {
                text.Append(i % PhraseLength == 0 && tokens[i] != Stop ? " | " : " ");
            }

            text.Append(Name(tokens[i]));
        }

        return text.ToString();
    }

    /// <summary>One melody of <see cref="Length"/> tokens, without its stop token.</summary>
    public static int[] Draw(Random random)
    {
        int[] a = Phrase(random), b = Phrase(random);
        int[] melody = [.. a, .. a, .. b, .. a];
        melody[^1] = DegreeToken(DegreeOf(melody[^1]) < 3 ? 0 : 5);
        return melody;
    }

    /// <summary><paramref name="count"/> melodies, each followed by the stop token, as one stream of tokens.</summary>
    public static int[] Stream(int count, Random random)
    {
        var tokens = new List<int>(count * (Length + 1));
        for (int i = 0; i < count; i++)
        {
            tokens.AddRange(Draw(random));
            tokens.Add(Stop);
        }

        return tokens.ToArray();
    }

    private static int[] Phrase(Random random)
    {
        var phrase = new int[PhraseLength];
        int degree = random.Next(2, 8);
        for (int i = 0; i < PhraseLength; i++)
        {
            if (i > 0)
            {
                degree += Moves[random.Next(Moves.Length)];
                degree = degree < 0 ? -degree : degree > 9 ? 18 - degree : degree;
            }

            phrase[i] = i > 0 && i < PhraseLength - 1 && random.Next(8) == 0 ? Rest : DegreeToken(degree);
        }

        return phrase;
    }

    private static int DegreeOf(int token) => Array.FindIndex(Degrees, d => d == token);
}
