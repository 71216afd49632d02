using System;
using System.Collections.Generic;

namespace RnnGen.Generators.Spec;

/// <summary>Finds what a misspelled key or value was probably meant to be.</summary>
internal static class Suggestions
{
    /// <summary>
    /// The candidate closest to <paramref name="text"/> by edit distance (ignoring case, counting a
    /// swap of two neighbours as one edit), if it is close enough to be a typo; else null.
    /// </summary>
    public static string? Closest(string text, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            // Short words allow one edit, longer ones up to three, so "cell" never suggests "bias".
            int allowed = Math.Max(1, Math.Min(3, candidate.Length / 3));
            int distance = Distance(text.ToLowerInvariant(), candidate.ToLowerInvariant(), allowed);
            if (distance <= allowed && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Optimal string alignment distance; gives up (returns more than <paramref name="limit"/>) early on long inputs.</summary>
    private static int Distance(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) > limit)
        {
            return limit + 1;
        }

        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
