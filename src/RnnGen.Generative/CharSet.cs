using System;

namespace RnnGen.Generative;

/// <summary>
/// The 96 tokens of <c>CharWriter</c> (specs/char_writer.rnn.yaml): 0 is '\n', 1..95 are the printable ASCII
/// characters 32..126 (' ' to '~'). Every other character, tabs and letters outside ASCII included, reads as a
/// space, so any text can be encoded and every token decodes to one character.
/// </summary>
public static class CharSet
{
    /// <summary>Tokens in the set, the spec's <c>vocab</c>.</summary>
    public const int Size = 96;

    /// <summary>The token of <paramref name="c"/>; a space for a character outside the set.</summary>
    public static int Encode(char c) => c switch
    {
        '\n' => 0,
        >= ' ' and <= '~' => c - ' ' + 1,
        _ => 1,
    };

    /// <summary>The character of <paramref name="token"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The token is outside [0, Size).</exception>
    public static char Decode(int token) => token switch
    {
        0 => '\n',
        > 0 and < Size => (char)(token - 1 + ' '),
        _ => throw new ArgumentOutOfRangeException(nameof(token), token, $"tokens run from 0 to {Size - 1}"),
    };

    /// <summary>Every character of <paramref name="text"/> as a token; '\r' is dropped, so CRLF reads as LF.</summary>
    public static int[] Encode(string text)
    {
        var tokens = new int[text.Length];
        int n = 0;
        foreach (char c in text)
        {
            if (c != '\r')
            {
                tokens[n++] = Encode(c);
            }
        }

        return tokens[..n];
    }

    /// <summary>The text of <paramref name="tokens"/>.</summary>
    public static string Decode(ReadOnlySpan<int> tokens)
    {
        var chars = new char[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            chars[i] = Decode(tokens[i]);
        }

        return new string(chars);
    }
}
