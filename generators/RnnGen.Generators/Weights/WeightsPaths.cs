using System;
using System.Collections.Generic;

namespace RnnGen.Generators.Weights;

/// <summary>
/// Paths of weights files, compared as the build step names them: full, '/' between folders, '.' and '..'
/// resolved. A generator may not touch the file system, so this is text only.
/// </summary>
internal static class WeightsPaths
{
    /// <summary>The full path of <paramref name="relative"/> (spec key <c>weights</c>) from the spec's folder.</summary>
    public static string Resolve(string specPath, string relative)
    {
        int slash = Math.Max(specPath.LastIndexOf('/'), specPath.LastIndexOf('\\'));
        return Normalize((slash < 0 ? string.Empty : specPath.Substring(0, slash + 1)) + relative);
    }

    public static string Normalize(string path)
    {
        string[] parts = path.Replace('\\', '/').Split('/');
        var kept = new List<string>(parts.Length);
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i];
            bool root = i == 0;
            if (!root && (part.Length == 0 || part == "."))
            {
                continue;
            }

            if (part == ".." && kept.Count > 0 && kept[kept.Count - 1] != ".." && !IsRoot(kept))
            {
                kept.RemoveAt(kept.Count - 1);
                continue;
            }

            kept.Add(part);
        }

        return string.Join("/", kept);
    }

    // "" before a leading '/', or a drive such as "C:": '..' does not climb above it.
    private static bool IsRoot(List<string> kept) => kept.Count == 1 && (kept[0].Length == 0 || kept[0].EndsWith(":", StringComparison.Ordinal));

    /// <summary>
    /// The item whose path is <paramref name="path"/>: the same text, else the only one that differs in case alone
    /// (Windows and macOS file systems ignore case; a spec written on one should build on the other).
    /// </summary>
    public static T? Find<T>(IEnumerable<T> items, string path, Func<T, string> pathOf)
        where T : class
    {
        T? caseless = null;
        int caselessCount = 0;
        foreach (T item in items)
        {
            string candidate = pathOf(item);
            if (string.Equals(candidate, path, StringComparison.Ordinal))
            {
                return item;
            }

            if (string.Equals(candidate, path, StringComparison.OrdinalIgnoreCase))
            {
                caseless = item;
                caselessCount++;
            }
        }

        return caselessCount == 1 ? caseless : null;
    }
}
