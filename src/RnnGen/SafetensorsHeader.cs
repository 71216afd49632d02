using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Unicode;

namespace RnnGen;

/// <summary>One tensor entry of a safetensors header, validated: offsets are relative to the data section.</summary>
internal sealed record SafetensorsEntry(string Name, SafetensorsDType DType, int[] Shape, long Begin, long End);

/// <summary>
/// Parses and validates the JSON header of a safetensors file: an object mapping tensor names to
/// <c>{"dtype", "shape", "data_offsets"}</c>, plus an optional <c>__metadata__</c> string-to-string map. The
/// tensors must tile the data section exactly (no overlap, no gap), as the format requires.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>The format's own limit (the reference implementation's <c>MAX_HEADER_SIZE</c>).</summary>
    public const long MaxBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    // Root object, tensor entry, shape array: three levels. A little slack lets deeper junk reach the precise
    // "must be a string" or "must be an integer" messages instead of a generic depth error.
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 8 };

    public static (Dictionary<string, string> Metadata, List<SafetensorsEntry> Entries) Parse(byte[] json)
    {
        // The reader leaves string contents unchecked until they are decoded; checking once here keeps invalid
        // UTF-8 from surfacing later as an InvalidOperationException.
        if (!Utf8.IsValid(json))
        {
            throw Invalid("the header is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            throw Invalid($"the header is not valid JSON ({e.Message})");
        }

        using (document)
        {
            try
            {
                return Read(document.RootElement);
            }
            catch (InvalidOperationException e)
            {
                // Strings are unescaped only when read, and an escape of half a surrogate pair ("\ud800") is valid
                // JSON that no .NET string can hold: reading it throws here.
                throw Invalid($"the header holds a string that is not valid text ({e.Message.TrimEnd('.')})");
            }
        }
    }

    private static (Dictionary<string, string> Metadata, List<SafetensorsEntry> Entries) Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"the header must be a JSON object, not {Describe(root.ValueKind)}");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<SafetensorsEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw Invalid(property.Name == MetadataKey
                    ? $"'{MetadataKey}' appears twice"
                    : $"tensor '{property.Name}' appears twice");
            }

            if (property.Name == MetadataKey)
            {
                ReadMetadata(property.Value, metadata);
            }
            else
            {
                entries.Add(ReadEntry(property.Name, property.Value));
            }
        }

        // Order of data offsets is file order; zero-sized tensors (begin == end) sort before a tensor at the
        // same begin.
        entries.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (SafetensorsEntry entry in entries)
        {
            if (entry.Begin < expected)
            {
                throw Invalid($"tensor '{entry.Name}' (bytes {entry.Begin}..{entry.End}) overlaps the tensor before it, which ends at {expected}");
            }

            if (entry.Begin > expected)
            {
                throw Invalid($"tensor '{entry.Name}' starts at byte {entry.Begin}, leaving a gap after byte {expected} of the data section");
            }

            expected = entry.End;
        }

        return (metadata, entries);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata)
    {
        // The reference implementation reads the metadata as an optional map, so null means none.
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"'{MetadataKey}' must be an object of strings, not {Describe(value.ValueKind)}");
        }

        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Invalid($"'{MetadataKey}' entry '{item.Name}' must be a string, not {Describe(item.Value.ValueKind)}");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Invalid($"'{MetadataKey}' entry '{item.Name}' appears twice");
            }
        }
    }

    private static SafetensorsEntry ReadEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"tensor '{name}' must be an object with dtype, shape and data_offsets, not {Describe(value.ValueKind)}");
        }

        JsonElement? dtypeValue = null, shapeValue = null, offsetsValue = null;
        foreach (JsonProperty field in value.EnumerateObject())
        {
            ref JsonElement? slot = ref dtypeValue;
            switch (field.Name)
            {
                case "dtype": slot = ref dtypeValue; break;
                case "shape": slot = ref shapeValue; break;
                case "data_offsets": slot = ref offsetsValue; break;
                default: throw Invalid($"tensor '{name}' has an unknown field '{field.Name}'; expected dtype, shape and data_offsets");
            }

            if (slot is not null)
            {
                throw Invalid($"tensor '{name}' has '{field.Name}' twice");
            }

            slot = field.Value;
        }

        SafetensorsDType dtype = ReadDType(name, dtypeValue ?? throw Missing(name, "dtype"));
        int[] shape = ReadShape(name, shapeValue ?? throw Missing(name, "shape"));
        (long begin, long end) = ReadOffsets(name, offsetsValue ?? throw Missing(name, "data_offsets"));

        long byteLength = SafetensorsDTypes.Size(dtype);
        try
        {
            foreach (int dimension in shape)
            {
                byteLength = checked(byteLength * dimension);
            }
        }
        catch (OverflowException)
        {
            throw Invalid($"tensor '{name}' of shape {ShapeText.Format(shape)} is too large");
        }

        if (end - begin != byteLength)
        {
            throw Invalid($"tensor '{name}' has data_offsets [{begin}, {end}] ({end - begin} bytes), but {SafetensorsDTypes.Name(dtype)} {ShapeText.Format(shape)} needs {byteLength} bytes");
        }

        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static SafetensorsDType ReadDType(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"tensor '{name}' has a dtype that is {Describe(value.ValueKind)}, not a string");
        }

        string text = value.GetString()!;
        if (!SafetensorsDTypes.TryParse(text, out SafetensorsDType dtype))
        {
            throw Invalid($"tensor '{name}' has dtype '{text}'; RnnGen reads F16, BF16, F32 and F64");
        }

        return dtype;
    }

    private static int[] ReadShape(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"tensor '{name}' has a shape that is {Describe(value.ValueKind)}, not an array");
        }

        var shape = new int[value.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int dimension) || dimension < 0)
            {
                throw Invalid($"tensor '{name}' has shape dimension {item.GetRawText()}; dimensions are integers from 0 to {int.MaxValue}");
            }

            shape[i++] = dimension;
        }

        return shape;
    }

    private static (long Begin, long End) ReadOffsets(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2)
        {
            throw Invalid($"tensor '{name}' must have data_offsets [begin, end]");
        }

        long begin = ReadOffset(name, value[0]);
        long end = ReadOffset(name, value[1]);
        if (end < begin)
        {
            throw Invalid($"tensor '{name}' has data_offsets [{begin}, {end}] that end before they begin");
        }

        return (begin, end);
    }

    private static long ReadOffset(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long offset) || offset < 0)
        {
            throw Invalid($"tensor '{name}' has data offset {value.GetRawText()}; offsets are integers from 0 to {long.MaxValue}");
        }

        return offset;
    }

    private static InvalidDataException Missing(string name, string field) =>
        Invalid($"tensor '{name}' has no '{field}'");

    private static InvalidDataException Invalid(string detail) =>
        new($"Invalid safetensors header: {detail}.");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
