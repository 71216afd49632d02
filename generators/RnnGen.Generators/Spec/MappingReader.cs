using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>
/// One mapping of a spec, checked against the keys its section allows: keys that are not names
/// (RNN0007), keys given twice (RNN0004) and unknown keys (RNN0005) are reported once, here, and
/// every known key is entered in the <see cref="SpecSourceMap"/>. Later occurrences of a
/// duplicated key are ignored.
/// </summary>
internal sealed class MappingReader
{
    private readonly Dictionary<string, YamlEntry> _known = new(StringComparer.Ordinal);
    private readonly ReadContext _context;
    private readonly string _path;

    /// <param name="path">Path of the mapping ("" for the root, "layers[0]", "output").</param>
    /// <param name="owner">Where a missing key is reported: the mapping's own key, or its first line.</param>
    public MappingReader(YamlMapping mapping, string path, LocationInfo owner, SpecSection section, ReadContext context)
    {
        _context = context;
        _path = path;
        Owner = owner;
        Name = path.Length == 0 ? "The spec" : Phrases.Quote(path);
        string within = path.Length == 0 ? "the spec" : Name;

        var seen = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
        foreach (YamlEntry entry in mapping.Entries)
        {
            if (entry.Key is not YamlScalar { IsNull: false } key)
            {
                context.Diagnostics.Report(DiagnosticDescriptors.WrongType, context.Location(entry.Key),
                    "A key in " + within, "a name such as '" + section.Keys[0] + "'", entry.Key.Describe());
            }
            else if (seen.TryGetValue(key.Value, out YamlScalar first))
            {
                context.Diagnostics.Report(DiagnosticDescriptors.DuplicateKey, context.Location(key),
                    Phrases.Shown(key.Value), within, first.Start.Line.ToString(CultureInfo.InvariantCulture));
            }
            else if (section.Keys.Contains(key.Value))
            {
                seen.Add(key.Value, key);
                _known.Add(key.Value, entry);
                context.Map.Add(PathOf(key.Value), context.Location(key), context.Location(entry.Value));
            }
            else
            {
                seen.Add(key.Value, key);
                context.Diagnostics.Report(DiagnosticDescriptors.UnknownKey, context.Location(key),
                    Phrases.Shown(key.Value), within, UnknownKeyFix(key.Value, section));
            }
        }
    }

    /// <summary>How messages name this mapping: "The spec", "'output'", "'layers[0]'".</summary>
    public string Name { get; }

    public LocationInfo Owner { get; }

    public string PathOf(string key) => _path.Length == 0 ? key : _path + "." + key;

    public bool Has(string key) => _known.ContainsKey(key);

    public YamlNode? Get(string key) => _known.TryGetValue(key, out YamlEntry entry) ? entry.Value : null;

    public LocationInfo KeyLocation(string key) => _context.Location(_known[key].Key);

    /// <summary>The value of a required key; when it is missing, reports RNN0006 with <paramref name="fix"/> and returns null.</summary>
    public YamlNode? Require(string key, string fix)
    {
        YamlNode? value = Get(key);
        if (value is null)
        {
            _context.Diagnostics.Report(DiagnosticDescriptors.MissingKey, Owner, Name, key, fix);
        }

        return value;
    }

    /// <summary>A required enum-valued key; null (and reported) when missing or invalid.</summary>
    public T? Required<T>(string key, SpecEnum<T> values, string fix)
        where T : struct, Enum =>
        Require(key, fix) is { } node && _context.Values.TryEnum(node, PathOf(key), values, out T value) ? value : null;

    /// <summary>A required integer key; null (and reported) when missing or invalid.</summary>
    public int? Required(string key, IntRange range, string fix, string? rangeText = null) =>
        Require(key, fix) is { } node && _context.Values.TryInt(node, PathOf(key), range, out int value, rangeText) ? value : null;

    /// <summary>A required real key; null (and reported) when missing or invalid.</summary>
    public double? Required(string key, NumberRange range, string fix) =>
        Require(key, fix) is { } node && _context.Values.TryNumber(node, PathOf(key), range, out double value) ? value : null;

    /// <summary>An optional enum-valued key: <paramref name="fallback"/> when absent (or invalid, which is reported).</summary>
    public T Optional<T>(string key, SpecEnum<T> values, T fallback)
        where T : struct, Enum =>
        Get(key) is { } node && _context.Values.TryEnum(node, PathOf(key), values, out T value) ? value : fallback;

    /// <summary>An optional boolean key: <paramref name="fallback"/> when absent (or invalid, which is reported).</summary>
    public bool Optional(string key, bool fallback) =>
        Get(key) is { } node && _context.Values.TryBool(node, PathOf(key), out bool value) ? value : fallback;

    /// <summary>An optional integer key: null when absent (or invalid, which is reported).</summary>
    public int? Optional(string key, IntRange range, string? rangeText = null) =>
        Get(key) is { } node && _context.Values.TryInt(node, PathOf(key), range, out int value, rangeText) ? value : null;

    /// <summary>An optional real key: null when absent (or invalid, which is reported).</summary>
    public double? Optional(string key, NumberRange range) =>
        Get(key) is { } node && _context.Values.TryNumber(node, PathOf(key), range, out double value) ? value : null;

    /// <summary>Reports RNN0011 at <paramref name="key"/> when the spec has it although it does not apply.</summary>
    public void Forbid(string key, string message)
    {
        if (Has(key))
        {
            _context.Diagnostics.Report(DiagnosticDescriptors.InconsistentSpec, KeyLocation(key), message);
        }
    }

    private static string UnknownKeyFix(string key, SpecSection section)
    {
        if (Suggestions.Closest(key, section.Keys) is { } suggestion)
        {
            return $"did you mean '{suggestion}'?";
        }

        if (SpecKeys.Sections.FirstOrDefault(other => other != section && other.Keys.Contains(key)) is { } home)
        {
            return $"'{key}' belongs {home.Place}";
        }

        return "expected " + Phrases.OneOf(section.Keys);
    }
}
