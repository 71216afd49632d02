using System;
using System.Globalization;

namespace RnnGen.Seq2Seq;

/// <summary>
/// The demo task: a date written in one of eight everyday styles ("22 nov 2026", "november 22, 2026",
/// "11/22/2026", ...) and the same date in ISO 8601 ("2026-11-22"). Dates are drawn uniformly from 1950-2049
/// by a seeded generator, so a seed always gives the same pairs.
/// </summary>
internal static class Dates
{
    /// <summary>Input characters; token 0 is padding (the encoder's <c>padding: 0</c>).</summary>
    public const string InputAlphabet = "\0 ,-./0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>Output characters; tokens 11 and 12 are the start and stop tokens of the spec.</summary>
    public const string OutputAlphabet = "0123456789-";

    private static readonly string[] Months =
    {
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    };

    private static readonly DateTime First = new(1950, 1, 1);
    private static readonly int Days = (new DateTime(2049, 12, 31) - First).Days + 1;

    /// <summary>Draws a date and writes it in a random style: its input tokens (padded) and input length, and its target tokens.</summary>
    public static string Next(ref InitRandom random, Span<int> input, out int length, Span<int> target)
    {
        DateTime date = First.AddDays((int)(random.NextDouble() * Days));
        string month = Months[date.Month - 1];
        string text = (int)(random.NextDouble() * 8) switch
        {
            0 => $"{date.Day} {month.Substring(0, 3)} {date.Year}",
            1 => $"{month} {date.Day}, {date.Year}",
            2 => $"{date.Month}/{date.Day}/{date.Year}",
            3 => $"{date.Day:00}.{date.Month:00}.{date.Year}",
            4 => $"{month.Substring(0, 3)} {date.Day} {date.Year}",
            5 => $"{date.Day} {month} {date.Year}",
            6 => $"{date.Year}/{date.Month:00}/{date.Day:00}",
            _ => $"{month.Substring(0, 3)} {date.Day:00}, {date.Year % 100:00}", // 50-99 are 1950-1999, 00-49 2000-2049
        };
        if (text.Length > input.Length)
        {
            throw new InvalidOperationException($"'{text}' is longer than the encoder's {input.Length} steps.");
        }

        input.Clear();
        for (int i = 0; i < text.Length; i++)
        {
            input[i] = InputAlphabet.IndexOf(text[i], StringComparison.Ordinal);
        }

        length = text.Length;
        string iso = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        for (int i = 0; i < iso.Length; i++)
        {
            target[i] = OutputAlphabet.IndexOf(iso[i], StringComparison.Ordinal);
        }

        target[iso.Length] = DateRewriter.StopToken;
        return text;
    }

    /// <summary>The ISO text of decoded tokens, up to the stop token.</summary>
    public static string Text(ReadOnlySpan<int> tokens)
    {
        var chars = new char[tokens.Length];
        int n = 0;
        foreach (int token in tokens)
        {
            if (token == DateRewriter.StopToken)
            {
                break;
            }

            chars[n++] = token < OutputAlphabet.Length ? OutputAlphabet[token] : '?';
        }

        return new string(chars, 0, n);
    }
}
