using System;
using System.CommandLine;
using System.Linq;

namespace RnnGen.Cli;

/// <summary>The names of the subcommands, for the message about an unknown one.</summary>
internal static class CommandNames
{
    /// <summary>"check, emit, mirror and inspect".</summary>
    public static string List(Command root)
    {
        string[] names = root.Subcommands.Select(c => c.Name).ToArray();
        return names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " and " + names[^1];
    }

    /// <summary>" (did you mean 'check'?)" when one command is within two edits of <paramref name="typed"/>, else empty.</summary>
    public static string Suggest(string typed, Command root)
    {
        string[] close = root.Subcommands
            .Select(c => c.Name)
            .Where(name => Distance(name, typed.ToLowerInvariant()) <= 2)
            .ToArray();
        return close.Length == 1 ? $" (did you mean '{close[0]}'?)" : string.Empty;
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
