using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generators.Spec;

/// <summary>Small pieces of English that messages share.</summary>
internal static class Phrases
{
    /// <summary>"a, b or c".</summary>
    public static string OneOf(IReadOnlyList<string> items) => items.Count switch
    {
        0 => string.Empty,
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " or " + items[items.Count - 1],
    };

    /// <summary>
    /// Text from the spec as a message shows it: on one line, and cut short, so that a value of
    /// 60,000 characters makes a readable message.
    /// </summary>
    public static string Shown(string text)
    {
        const int MaxLength = 40;
        string oneLine = text.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t");
        return oneLine.Length <= MaxLength ? oneLine : oneLine.Substring(0, MaxLength) + "...";
    }

    /// <summary>A spec path as messages show it: <c>'layers[0].hidden'</c>.</summary>
    public static string Quote(string path) => "'" + path + "'";
}
