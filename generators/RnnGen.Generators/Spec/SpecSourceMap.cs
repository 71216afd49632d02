using System;
using System.Collections.Generic;
using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Where each key of a spec stands, by path (<c>layers[0].bias</c>), so that the checks that run on
/// the finished <see cref="ModelSpec"/> (validation, the support policy) can point at the line
/// that a problem comes from without the records carrying locations.
/// </summary>
internal sealed class SpecSourceMap
{
    private readonly Dictionary<string, (LocationInfo Key, LocationInfo Value)> _entries = new(StringComparer.Ordinal);
    private readonly LocationInfo _root;

    public SpecSourceMap(LocationInfo root) => _root = root;

    public void Add(string path, LocationInfo key, LocationInfo value) => _entries[path] = (key, value);

    public bool Contains(string path) => _entries.ContainsKey(path);

    /// <summary>The key at <paramref name="path"/>, or the nearest enclosing one that the spec has.</summary>
    public LocationInfo Key(string path) => Find(path).Key;

    /// <summary>The value at <paramref name="path"/>, or the nearest enclosing one that the spec has.</summary>
    public LocationInfo Value(string path) => Find(path).Value;

    private (LocationInfo Key, LocationInfo Value) Find(string path)
    {
        for (string? current = path; current is not null; current = Parent(current))
        {
            if (_entries.TryGetValue(current, out (LocationInfo Key, LocationInfo Value) found))
            {
                return found;
            }
        }

        return (_root, _root);
    }

    private static string? Parent(string path)
    {
        int cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut > 0 ? path.Substring(0, cut) : null;
    }
}
