using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Tests.Fuzzing;

/// <summary>What a correct loader must do with a mutated file.</summary>
internal enum LoadExpectation
{
    /// <summary>The file is invalid or does not fit the model: <see cref="System.IO.InvalidDataException"/>.</summary>
    MustFail,

    /// <summary>The file is valid and fits: the parameters become the image's values exactly.</summary>
    MustLoad,

    /// <summary>Either; a random edit may or may not leave a valid file (a flipped data byte, say).</summary>
    MayLoad,
}

/// <summary>One fuzz case: the bytes, what was done to them, what must happen, and the image (for expected values).</summary>
internal sealed record SafetensorsCase(byte[] File, string Edit, LoadExpectation Expectation, SafetensorsImage Image);

/// <summary>
/// Hostile edits of a model's weight file: truncation, lying header lengths, offsets past the end or overlapping,
/// wrong or unknown dtypes, NaN and infinities, shape mismatches, missing, extra and renamed tensors, malformed
/// JSON, flipped and inserted bytes. Deterministic: the same <see cref="Random"/> state gives the same case.
/// </summary>
internal sealed class SafetensorsMutator
{
    private static readonly string[] BadDTypes =
        ["\"I32\"", "\"U8\"", "\"F8_E4M3\"", "\"BOOL\"", "\"f32\"", "\"F 32\"", "\"\"", "null", "32", "[\"F32\"]", "{}", "\"F32\\u0000\""];

    private readonly IReadOnlyList<ParameterInfo> _layout;
    private readonly bool _double;
    private readonly Random _random;

    public SafetensorsMutator(IReadOnlyList<ParameterInfo> layout, bool isDouble, Random random)
    {
        _layout = layout;
        _double = isDouble;
        _random = random;
    }

    public SafetensorsCase Next()
    {
        SafetensorsImage image = SafetensorsImage.Random(_layout, _random);
        Func<SafetensorsImage, (byte[], string, LoadExpectation)>[] edits =
        [
            Unchanged, Truncate, Truncate, HeaderLength, HeaderLength, Offsets, Offsets, DType, DType, NonFinite, NonFinite,
            BeyondFloat, Shape, Shape, Entries, Entries, Metadata, FlipHeaderByte, FlipDataByte, InsertBytes, RandomFile,
            HeaderJunk, HugeShape, Trailer,
        ];
        (byte[] file, string edit, LoadExpectation expectation) = edits[_random.Next(edits.Length)](image);
        return new SafetensorsCase(file, edit, expectation, image);
    }

    private (byte[], string, LoadExpectation) Unchanged(SafetensorsImage image) =>
        (image.Render(_random), "none", LoadExpectation.MustLoad);

    private (byte[], string, LoadExpectation) Truncate(SafetensorsImage image)
    {
        byte[] file = image.Render(_random);
        // Any strict prefix is invalid: the tensors tile the data section and nothing follows it.
        int length = _random.Next(4) == 0 ? file.Length - 1 - _random.Next(Math.Min(8, file.Length)) : _random.Next(file.Length);
        return (file[..length], $"truncate {file.Length} bytes to {length}", LoadExpectation.MustFail);
    }

    private (byte[], string, LoadExpectation) HeaderLength(SafetensorsImage image)
    {
        byte[] file = image.Render(_random);
        ulong actual = BinaryPrimitives.ReadUInt64LittleEndian(file);
        ulong[] lies =
        [
            0, 1, 2, 7, actual - 1, actual + 1, actual - (ulong)_random.Next(1, 16), actual + (ulong)_random.Next(1, 16),
            (ulong)file.Length, (ulong)file.Length - 8, 100_000_000, 100_000_001, 1UL << 32, 1UL << 62, 1UL << 63,
            ulong.MaxValue, (ulong)_random.NextInt64(),
        ];
        ulong lie = lies[_random.Next(lies.Length)];
        if (lie == actual)
        {
            lie = actual + 1;
        }

        // Spaces after the JSON are valid, so a shorter length that cuts only into them still reads the header,
        // and the data section, starting with those spaces, is read shifted: another valid file.
        int spaces = 0;
        while (file[8 + (int)actual - 1 - spaces] == (byte)' ')
        {
            spaces++;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(file, lie);
        bool cutsOnlySpaces = lie < actual && actual - lie <= (ulong)spaces;
        return (file, $"header length {actual} to {lie}", cutsOnlySpaces ? LoadExpectation.MayLoad : LoadExpectation.MustFail);
    }

    private (byte[], string, LoadExpectation) Offsets(SafetensorsImage image)
    {
        int index = _random.Next(image.Tensors.Count);
        ImageTensor tensor = image.Tensors[index];
        long begin = image.Tensors.Take(index).Sum(t => (long)t.Values.Length * t.ElementSize);
        long length = (long)tensor.Values.Length * tensor.ElementSize;
        long dataLength = image.Tensors.Sum(t => (long)t.Values.Length * t.ElementSize);
        string[] offsets =
        [
            $"[{begin + 1},{begin + length}]", $"[{begin},{begin + length + 1}]", $"[{begin},{begin + length - 1}]",
            $"[{begin + 1},{begin + length + 1}]", $"[{begin - 1},{begin + length - 1}]",
            $"[{begin + length},{begin + length + length}]", $"[{begin - length},{begin}]",
            $"[{dataLength},{dataLength + length}]", $"[{dataLength + 1_000_000},{dataLength + 1_000_000 + length}]",
            $"[{long.MaxValue - length},{long.MaxValue}]", $"[{long.MaxValue},{begin}]", $"[{begin},18446744073709551616]",
            $"[{begin + length},{begin}]", $"[-{length},0]", $"[{begin}.5,{begin + length}]", $"[\"{begin}\",{begin + length}]",
            $"[{begin},{begin + length},{begin + length}]", "[]", "null", $"[{begin}]", "[0,0]", $"[{begin},1e400]",
        ];
        tensor.OffsetsJson = offsets[_random.Next(offsets.Length)];
        return (image.Render(_random), $"offsets of '{tensor.Name}' [{begin},{begin + length}] to {tensor.OffsetsJson}", LoadExpectation.MustFail);
    }

    private (byte[], string, LoadExpectation) DType(SafetensorsImage image)
    {
        ImageTensor tensor = image.Tensors[_random.Next(image.Tensors.Count)];
        string[] valid = ["F16", "BF16", "F32", "F64"];
        LoadExpectation expectation = LoadExpectation.MustFail;
        if (_random.Next(2) == 0)
        {
            string other = valid.Where(d => d != tensor.Encoding).ElementAt(_random.Next(3));
            tensor.DTypeJson = ImageTensor.Json(other);
            // F16 and BF16 have one size: the file stays valid and reads other numbers.
            bool sameSize = other is "F16" or "BF16" && tensor.Encoding is "F16" or "BF16";
            expectation = sameSize ? LoadExpectation.MayLoad : LoadExpectation.MustFail;
        }
        else
        {
            tensor.DTypeJson = BadDTypes[_random.Next(BadDTypes.Length)];
        }

        return (image.Render(_random), $"dtype of '{tensor.Name}' ({tensor.Encoding}) to {tensor.DTypeJson}", expectation);
    }

    /// <summary>NaN and infinities are floats like any other: the file loads, and they arrive as they are.</summary>
    private (byte[], string, LoadExpectation) NonFinite(SafetensorsImage image)
    {
        double[] specials = [double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 1e-40, 5e-324];
        var edits = new List<string>();
        for (int n = 1 + _random.Next(4); n > 0; n--)
        {
            ImageTensor tensor = image.Tensors[_random.Next(image.Tensors.Count)];
            int element = _random.Next(tensor.Values.Length);
            double special = specials[_random.Next(specials.Length)];
            tensor.Values[element] = ImageTensor.Round(tensor.Encoding, special);
            edits.Add($"'{tensor.Name}'[{element}] ({tensor.Encoding}) = {special}");
        }

        return (image.Render(_random), string.Join(", ", edits), LoadExpectation.MustLoad);
    }

    /// <summary>A finite F64 beyond float's range: refused by float32 models, loaded by float64 ones.</summary>
    private (byte[], string, LoadExpectation) BeyondFloat(SafetensorsImage image)
    {
        ImageTensor? tensor = image.Tensors.FirstOrDefault(t => t.Encoding == "F64");
        if (tensor is null)
        {
            return NonFinite(image);
        }

        int element = _random.Next(tensor.Values.Length);
        double[] values = [1e39, -1e39, 3.5e38, double.MaxValue, -double.MaxValue, 1e300];
        tensor.Values[element] = values[_random.Next(values.Length)];
        return (image.Render(_random), $"'{tensor.Name}'[{element}] = {tensor.Values[element]:R} (F64)", _double ? LoadExpectation.MustLoad : LoadExpectation.MustFail);
    }

    private (byte[], string, LoadExpectation) Shape(SafetensorsImage image)
    {
        ImageTensor tensor = image.Tensors[_random.Next(image.Tensors.Count)];
        int[] shape = _layout.First(p => p.Name == tensor.Name).Shape.ToArray();
        string[] shapes =
        [
            Format([.. shape, 1]), Format([1, .. shape]), Format(shape.Reverse().ToArray()), Format([shape.Aggregate(1, (a, b) => a * b)]),
            Format([.. shape[..^1], shape[^1] + 1]), Format([.. shape[..^1], shape[^1] - 1]), Format([.. shape[..^1], 0]),
            "[]", $"[{shape[0]}.0]", $"[-{shape[0]}]", "[2147483648]", "null", "\"3\"", "[[1]]",
        ];
        string before = tensor.ShapeJson;
        tensor.ShapeJson = shapes.Where(s => s != before).ElementAt(_random.Next(shapes.Count(s => s != before)));
        return (image.Render(_random), $"shape of '{tensor.Name}' {before} to {tensor.ShapeJson}", LoadExpectation.MustFail);
    }

    private (byte[], string, LoadExpectation) Entries(SafetensorsImage image)
    {
        int index = _random.Next(image.Tensors.Count);
        ImageTensor tensor = image.Tensors[index];
        string name = tensor.Name;
        switch (_random.Next(9))
        {
            case 0:
                image.Tensors.RemoveAt(index);
                return (image.Render(_random), $"remove '{name}'", LoadExpectation.MustFail);
            case 1:
                tensor.Name = name + ".extra";
                return (image.Render(_random), $"rename '{name}'", LoadExpectation.MustFail);
            case 2:
                ImageTensor other = image.Tensors[(index + 1) % image.Tensors.Count];
                if (other == tensor)
                {
                    goto case 1;
                }

                tensor.Name = other.Name;
                return (image.Render(_random), $"rename '{name}' to '{other.Name}'", LoadExpectation.MustFail);
            case 3:
                image.Tensors.Add(new ImageTensor("layers.99.weight_ih_l0", "F32", [2], [0.5, -0.5]));
                return (image.Render(_random), "add an unknown tensor after the others", LoadExpectation.MustFail);
            case 4:
                tensor.ExtraFields = _random.Next(2) == 0 ? ",\"scale\":2" : $",\"dtype\":{tensor.DTypeJson}";
                return (image.Render(_random), $"field {tensor.ExtraFields} in '{name}'", LoadExpectation.MustFail);
            case 5:
                string[] entries = ["[0,4]", "\"F32\"", "null", "{}", "{\"dtype\":\"F32\"}", "[]", "1"];
                tensor.EntryJson = entries[_random.Next(entries.Length)];
                return (image.Render(_random), $"entry '{name}' to {tensor.EntryJson}", LoadExpectation.MustFail);
            case 6:
                image.ExtraEntries = $",\"{name}\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
                return (image.Render(_random), $"'{name}' twice", LoadExpectation.MustFail);
            case 7:
                image.Tensors.Clear();
                return (image.Render(_random), "no tensors", LoadExpectation.MustFail);
            default:
                (image.Tensors[index], image.Tensors[^1]) = (image.Tensors[^1], image.Tensors[index]);
                return (image.Render(_random), $"data of '{name}' moved to the end", LoadExpectation.MustLoad);
        }
    }

    private (byte[], string, LoadExpectation) Metadata(SafetensorsImage image)
    {
        (string? metadata, string extra, LoadExpectation expectation)[] variants =
        [
            (null, string.Empty, LoadExpectation.MustLoad),
            ("null", string.Empty, LoadExpectation.MustLoad),
            ("{\"format\":\"pt\",\"model\":\"\\u00e9\\ud83d\\ude80\"}", string.Empty, LoadExpectation.MustLoad),
            ("{\"epochs\":3}", string.Empty, LoadExpectation.MustFail),
            ("[\"pt\"]", string.Empty, LoadExpectation.MustFail),
            ("\"pt\"", string.Empty, LoadExpectation.MustFail),
            ("{\"a\":\"1\",\"a\":\"2\"}", string.Empty, LoadExpectation.MustFail),
            ("{\"a\":" + new string('[', 64) + new string(']', 64) + "}", string.Empty, LoadExpectation.MustFail),
            ("{\"a\":" + new string('[', 10_000) + new string(']', 10_000) + "}", string.Empty, LoadExpectation.MustFail),
            ("{}", ",\"__metadata__\":{}", LoadExpectation.MustFail),
        ];
        (image.MetadataJson, image.ExtraEntries, LoadExpectation expected) = variants[_random.Next(variants.Length)];
        return (image.Render(_random), $"metadata {image.MetadataJson ?? "none"}{image.ExtraEntries}", expected);
    }

    private (byte[], string, LoadExpectation) FlipHeaderByte(SafetensorsImage image)
    {
        byte[] file = image.Render(_random);
        int at = 8 + _random.Next((int)SafetensorsImage.DataStart(file) - 8);
        byte before = file[at];
        file[at] ^= (byte)(1 << _random.Next(8));
        return (file, $"header byte {at} from 0x{before:X2} to 0x{file[at]:X2}", LoadExpectation.MayLoad);
    }

    private (byte[], string, LoadExpectation) FlipDataByte(SafetensorsImage image)
    {
        byte[] file = image.Render(_random);
        long start = SafetensorsImage.DataStart(file);
        int at = (int)start + _random.Next(file.Length - (int)start);
        file[at] ^= (byte)(1 << _random.Next(8));
        return (file, $"data byte {at - start} flipped", LoadExpectation.MayLoad);
    }

    private (byte[], string, LoadExpectation) InsertBytes(SafetensorsImage image)
    {
        byte[] file = image.Render(_random);
        var garbage = new byte[1 + _random.Next(32)];
        _random.NextBytes(garbage);
        int at = _random.Next(file.Length + 1);
        return ([.. file[..at], .. garbage, .. file[at..]], $"insert {garbage.Length} random bytes at {at}", LoadExpectation.MayLoad);
    }

    private (byte[], string, LoadExpectation) RandomFile(SafetensorsImage image)
    {
        var file = new byte[_random.Next(256)];
        _random.NextBytes(file);
        if (file.Length >= 8 && _random.Next(2) == 0)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)_random.Next(file.Length));
        }

        return (file, $"{file.Length} random bytes", LoadExpectation.MayLoad);
    }

    private (byte[], string, LoadExpectation) HeaderJunk(SafetensorsImage image)
    {
        string[] junk = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "0", "-", "e", "null", "NaN", "Infinity", "\u00e9", "\t", "//", "/*"];
        byte[] file = image.Render(_random);
        int headerLength = (int)SafetensorsImage.DataStart(file) - 8;
        byte[] inserted = System.Text.Encoding.UTF8.GetBytes(junk[_random.Next(junk.Length)]);
        int at = 8 + _random.Next(headerLength + 1);
        byte[] edited = [.. file[..at], .. inserted, .. file[at..]];
        BinaryPrimitives.WriteUInt64LittleEndian(edited, (ulong)(headerLength + inserted.Length));
        return (edited, $"insert '{System.Text.Encoding.UTF8.GetString(inserted)}' at header byte {at - 8}", LoadExpectation.MayLoad);
    }

    private (byte[], string, LoadExpectation) HugeShape(SafetensorsImage image)
    {
        ImageTensor tensor = image.Tensors[_random.Next(image.Tensors.Count)];
        string[] shapes = ["[2147483647,2147483647]", "[2147483647,2147483647,2147483647,2147483647]", "[1073741824,8]", "[65536,65536]"];
        tensor.ShapeJson = shapes[_random.Next(shapes.Length)];
        return (image.Render(_random), $"shape of '{tensor.Name}' to {tensor.ShapeJson}", LoadExpectation.MustFail);
    }

    /// <summary>Bytes after the data section are not part of the file (a stream may carry more).</summary>
    private (byte[], string, LoadExpectation) Trailer(SafetensorsImage image)
    {
        image.Trailer = new byte[1 + _random.Next(64)];
        _random.NextBytes(image.Trailer);
        return (image.Render(_random), $"{image.Trailer.Length} bytes after the data", LoadExpectation.MustLoad);
    }

    private static string Format(int[] shape) => "[" + string.Join(",", shape) + "]";
}
