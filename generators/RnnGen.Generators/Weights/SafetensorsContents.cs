using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace RnnGen.Generators.Weights;

/// <summary>One tensor of a safetensors file: its name, dtype (the format's spelling), shape and bytes.</summary>
internal sealed record SafetensorsEntry(string Name, string DType, int[] Shape, long Begin, long End)
{
    public string ShapeText => "[" + string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}

/// <summary>
/// A safetensors file checked as the runtime's loader checks it (docs/safetensors.md), so that a file the build
/// accepts is one <c>LoadSafetensors</c> accepts too: an 8-byte little-endian header length, a JSON header of
/// tensor entries and an optional <c>__metadata__</c> map of strings, tensors that tile the data section. A dtype
/// the runtime does not convert is kept, for its own diagnostic. Never throws.
/// </summary>
internal sealed class SafetensorsContents
{
    public const string MetadataKey = "__metadata__";

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private SafetensorsContents(List<SafetensorsEntry> entries, long dataStart)
    {
        Entries = entries;
        DataStart = dataStart;
    }

    /// <summary>The tensors in data-offset order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>Where the data section starts in the file.</summary>
    public long DataStart { get; }

    /// <summary>Element size of a dtype the runtime converts (F16, BF16, F32, F64), else 0.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "F16" or "BF16" => 2,
        "F32" => 4,
        "F64" => 8,
        _ => 0,
    };

    /// <summary>Element size of every dtype the format defines, so an unsupported one still tiles (0 when unknown).</summary>
    private static int FormatElementSize(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        "U16" or "I16" => 2,
        "U32" or "I32" => 4,
        "U64" or "I64" => 8,
        _ => ElementSize(dtype),
    };

    /// <returns>The contents, or null with <paramref name="error"/> saying what is wrong.</returns>
    public static SafetensorsContents? Read(byte[] file, out string? error)
    {
        if (file.Length < 8)
        {
            error = $"the file is {file.Length} bytes long, too short for the 8-byte header length";
            return null;
        }

        ulong headerLength = 0;
        for (int i = 7; i >= 0; i--)
        {
            headerLength = (headerLength << 8) | file[i];
        }

        if (headerLength < 2 || headerLength > (ulong)(file.Length - 8))
        {
            error = $"its header length {headerLength} does not fit the {file.Length - 8} bytes after the length (the file is truncated or is not safetensors)";
            return null;
        }

        string header;
        try
        {
            header = StrictUtf8.GetString(file, 8, (int)headerLength);
        }
        catch (ArgumentException)
        {
            error = "the header is not valid UTF-8";
            return null;
        }

        if (JsonParser.Parse(header, out string? jsonError) is not { } root)
        {
            error = "the header is not valid JSON (" + jsonError + ")";
            return null;
        }

        var entries = new List<SafetensorsEntry>();
        error = ReadRoot(root, entries);
        if (error is not null)
        {
            return null;
        }

        long dataStart = 8 + (long)headerLength;
        error = CheckTiling(entries, file.Length - dataStart);
        return error is null ? new SafetensorsContents(entries, dataStart) : null;
    }

    private static string? ReadRoot(JsonValue root, List<SafetensorsEntry> entries)
    {
        if (root.Kind != JsonKind.Object)
        {
            return $"the header must be a JSON object, not {root.Describe()}";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, JsonValue> member in root.Members)
        {
            if (!seen.Add(member.Key))
            {
                return member.Key == MetadataKey ? $"'{MetadataKey}' appears twice" : $"tensor '{member.Key}' appears twice";
            }

            string? problem = member.Key == MetadataKey ? CheckMetadata(member.Value) : ReadEntry(member.Key, member.Value, entries);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? CheckMetadata(JsonValue value)
    {
        if (value.Kind == JsonKind.Null)
        {
            return null;
        }

        if (value.Kind != JsonKind.Object)
        {
            return $"'{MetadataKey}' must be an object of strings, not {value.Describe()}";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, JsonValue> item in value.Members)
        {
            if (item.Value.Kind != JsonKind.String)
            {
                return $"'{MetadataKey}' entry '{item.Key}' must be a string, not {item.Value.Describe()}";
            }

            if (!seen.Add(item.Key))
            {
                return $"'{MetadataKey}' entry '{item.Key}' appears twice";
            }
        }

        return null;
    }

    private static string? ReadEntry(string name, JsonValue value, List<SafetensorsEntry> entries)
    {
        if (value.Kind != JsonKind.Object)
        {
            return $"tensor '{name}' must be an object with dtype, shape and data_offsets, not {value.Describe()}";
        }

        JsonValue? dtype = null, shape = null, offsets = null;
        foreach (KeyValuePair<string, JsonValue> field in value.Members)
        {
            switch (field.Key)
            {
                case "dtype" when dtype is null: dtype = field.Value; break;
                case "shape" when shape is null: shape = field.Value; break;
                case "data_offsets" when offsets is null: offsets = field.Value; break;
                case "dtype" or "shape" or "data_offsets": return $"tensor '{name}' has '{field.Key}' twice";
                default: return $"tensor '{name}' has an unknown field '{field.Key}'; expected dtype, shape and data_offsets";
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            return $"tensor '{name}' has no '{(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}'";
        }

        if (dtype.Kind != JsonKind.String)
        {
            return $"tensor '{name}' has a dtype that is {dtype.Describe()}, not a string";
        }

        if (shape.Kind != JsonKind.Array)
        {
            return $"tensor '{name}' has a shape that is {shape.Describe()}, not an array";
        }

        var dimensions = new int[shape.Items.Count];
        for (int i = 0; i < dimensions.Length; i++)
        {
            if (!TryInteger(shape.Items[i], int.MaxValue, out long dimension))
            {
                return $"tensor '{name}' has shape dimension {shape.Items[i].Text ?? shape.Items[i].Describe()}; dimensions are integers from 0 to {int.MaxValue}";
            }

            dimensions[i] = (int)dimension;
        }

        if (offsets.Kind != JsonKind.Array || offsets.Items.Count != 2)
        {
            return $"tensor '{name}' must have data_offsets [begin, end]";
        }

        if (!TryInteger(offsets.Items[0], long.MaxValue, out long begin) || !TryInteger(offsets.Items[1], long.MaxValue, out long end))
        {
            return $"tensor '{name}' has data offsets that are not integers from 0 to {long.MaxValue}";
        }

        if (end < begin)
        {
            return $"tensor '{name}' has data_offsets [{begin}, {end}] that end before they begin";
        }

        var entry = new SafetensorsEntry(name, dtype.Text!, dimensions, begin, end);
        int size = FormatElementSize(entry.DType);
        if (size > 0)
        {
            long bytes = size;
            foreach (int dimension in dimensions)
            {
                bytes = dimension == 0 || bytes <= long.MaxValue / dimension ? bytes * dimension : -1;
                if (bytes < 0)
                {
                    return $"tensor '{name}' of shape {entry.ShapeText} is too large";
                }
            }

            if (end - begin != bytes)
            {
                return $"tensor '{name}' has data_offsets [{begin}, {end}] ({end - begin} bytes), but {entry.DType} {entry.ShapeText} needs {bytes} bytes";
            }
        }

        entries.Add(entry);
        return null;
    }

    private static string? CheckTiling(List<SafetensorsEntry> entries, long available)
    {
        entries.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (SafetensorsEntry entry in entries)
        {
            if (entry.Begin < expected)
            {
                return $"tensor '{entry.Name}' (bytes {entry.Begin}..{entry.End}) overlaps the tensor before it, which ends at {expected}";
            }

            if (entry.Begin > expected)
            {
                return $"tensor '{entry.Name}' starts at byte {entry.Begin}, leaving a gap after byte {expected} of the data section";
            }

            if (entry.End > available)
            {
                return $"the file is truncated: tensor '{entry.Name}' ends at byte {entry.End} of the data section, but only {available} bytes follow the header";
            }

            expected = entry.End;
        }

        return null;
    }

    /// <summary>A JSON number that is an integer from 0 to <paramref name="max"/> (no fraction, no exponent), as the runtime reads it.</summary>
    private static bool TryInteger(JsonValue value, long max, out long result)
    {
        result = 0;
        return value.Kind == JsonKind.Number
            && value.Text!.All(c => c is >= '0' and <= '9')
            && long.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out result)
            && result <= max;
    }
}
