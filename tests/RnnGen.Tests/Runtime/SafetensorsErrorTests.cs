using System;
using System.IO;
using System.Text;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>Every malformed or mismatched file throws <see cref="InvalidDataException"/> naming the tensor at fault,
/// from seekable and forward-only streams alike, and leaves the destination as it was.</summary>
public class SafetensorsErrorTests
{
    private const float Sentinel = 42.5f;

    private static readonly ParameterInfo[] Layout = [new("a", 0, 2, 3), new("b", 6, 4)];

    private static readonly byte[] Data = SafetensorsBytes.Singles(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);

    private static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    private static readonly string A = Entry("a", "F32", "[2,3]", 0, 24);

    private static readonly string B = Entry("b", "F32", "[4]", 24, 40);

    [Fact]
    public void The_valid_baseline_loads()
    {
        // Guards the fixtures below: each differs from this file in one respect only.
        var parameters = new float[10];
        Safetensors.Load(new MemoryStream(SafetensorsBytes.File($"{{{A},{B}}}", Data)), Layout, parameters);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, parameters);
    }

    [Fact]
    public void Missing_tensor() => AssertLoadFails(SafetensorsBytes.File($"{{{A}}}", Data[..24]), "b");

    [Fact]
    public void Extra_tensor() =>
        AssertLoadFails(SafetensorsBytes.File($"{{{A},{B},{Entry("layers.1.weight_ih_l0", "F32", "[1]", 40, 44)}}}", SafetensorsBytes.Concat(Data, SafetensorsBytes.Singles(11))), "layers.1.weight_ih_l0");

    [Fact]
    public void Wrong_shape() =>
        AssertLoadFails(SafetensorsBytes.File($"{{{A},{Entry("b", "F32", "[2,2]", 24, 40)}}}", Data), "b");

    [Fact]
    public void Unsupported_dtype() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{Entry("b", "I32", "[4]", 24, 40)}}}", Data), "b");

    [Fact]
    public void Lower_case_dtype() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{Entry("b", "f32", "[4]", 24, 40)}}}", Data), "b");

    [Fact]
    public void Truncated_data() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{B}}}", Data[..30]), "b");

    [Fact]
    public void Truncated_header()
    {
        byte[] header = Encoding.UTF8.GetBytes($"{{{A},{B}}}");
        AssertReadFails(SafetensorsBytes.File((ulong)header.Length, header[..20], []), null);
    }

    [Fact]
    public void Truncated_length_prefix() => AssertReadFails([0x10, 0, 0], null);

    [Fact]
    public void Empty_stream() => AssertReadFails([], null);

    [Fact]
    public void Header_length_larger_than_stream()
    {
        byte[] header = Encoding.UTF8.GetBytes($"{{{A},{B}}}");
        AssertReadFails(SafetensorsBytes.File((ulong)header.Length + 1000, header, Data), null);
    }

    [Fact]
    public void Header_length_beyond_limit()
    {
        byte[] header = Encoding.UTF8.GetBytes($"{{{A},{B}}}");
        AssertReadFails(SafetensorsBytes.File(100_000_001, header, Data), null);
        AssertReadFails(SafetensorsBytes.File(ulong.MaxValue, header, Data), null);
    }

    [Fact]
    public void Header_length_too_small() => AssertReadFails(SafetensorsBytes.File(1, [(byte)'{'], []), null);

    [Fact]
    public void Offsets_beyond_the_data() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{B}}}", Data[..24]), "b");

    [Fact]
    public void Offsets_far_beyond_the_data() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{Entry("b", "F32", "[4]", 1L << 62, (1L << 62) + 16)}}}", Data), "b");

    [Fact]
    public void Offset_beyond_64_bit_signed() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},\"b\":{{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,18446744073709551615]}}}}", Data), "b");

    [Fact]
    public void Negative_offset() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{Entry("b", "F32", "[4]", -16, 0)}}}", Data), "b");

    [Fact]
    public void Overlapping_tensors() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{Entry("b", "F32", "[4]", 16, 32)}}}", Data), "b");

    [Fact]
    public void Gap_between_tensors() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{Entry("b", "F32", "[4]", 28, 44)}}}", SafetensorsBytes.Concat(Data, new byte[4])), "b");

    [Fact]
    public void Length_that_does_not_match_the_shape() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{Entry("b", "F32", "[4]", 24, 36)}}}", Data[..36]), "b");

    [Fact]
    public void End_before_begin() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{Entry("b", "F32", "[4]", 40, 24)}}}", Data), "b");

    [Fact]
    public void Shape_whose_size_overflows() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{Entry("b", "F64", "[2147483647,2147483647,2147483647]", 24, 40)}}}", Data), "b");

    [Fact]
    public void Negative_dimension() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{Entry("b", "F32", "[-4]", 24, 40)}}}", Data), "b");

    [Fact]
    public void Missing_field() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},\"b\":{{\"dtype\":\"F32\",\"data_offsets\":[24,40]}}}}", Data), "b");

    [Fact]
    public void Unknown_field() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},\"b\":{{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40],\"scale\":2}}}}", Data), "b");

    [Fact]
    public void Entry_that_is_not_an_object() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},\"b\":[24,40]}}", Data), "b");

    [Fact]
    public void Invalid_json() => AssertReadFails(SafetensorsBytes.File($"{{{A},\"b\":{{\"dtype\":\"F32\",", Data), null);

    [Fact]
    public void Trailing_garbage_after_the_json() => AssertReadFails(SafetensorsBytes.File($"{{{A},{B}}}xx", Data), null);

    [Fact]
    public void Invalid_utf8_in_the_header()
    {
        byte[] header = Encoding.UTF8.GetBytes($"{{{A},{B},\"__metadata__\":{{\"k\":\"\u00e9\"}}}}");
        int accent = Array.IndexOf(header, (byte)0xC3);
        header[accent] = 0xFF;
        AssertReadFails(SafetensorsBytes.File((ulong)header.Length, header, Data), null);
    }

    [Fact]
    public void Escaped_half_surrogate_in_a_tensor_name() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{B},\"c\\ud800\":{{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[40,40]}}}}", Data), null);

    [Fact]
    public void Escaped_half_surrogate_in_the_metadata() =>
        AssertReadFails(SafetensorsBytes.File($"{{\"__metadata__\":{{\"k\":\"\\udc00\"}},{A},{B}}}", Data), null);

    [Fact]
    public void Duplicate_tensor_name() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},{Entry("a", "F32", "[4]", 24, 40)}}}", Data), "a");

    [Fact]
    public void Duplicate_field_in_an_entry() =>
        AssertReadFails(SafetensorsBytes.File($"{{{A},\"b\":{{\"dtype\":\"F32\",\"dtype\":\"F64\",\"shape\":[4],\"data_offsets\":[24,40]}}}}", Data), "b");

    [Fact]
    public void Header_that_is_not_an_object() => AssertReadFails(SafetensorsBytes.File("[1, 2, 3]       ", Data), null);

    [Fact]
    public void Metadata_that_is_not_a_string_map() =>
        AssertReadFails(SafetensorsBytes.File($"{{\"__metadata__\":{{\"epochs\":3}},{A},{B}}}", Data), null);

    [Fact]
    public void Metadata_is_allowed_anywhere_and_kept()
    {
        byte[] file = SafetensorsBytes.File($"{{{A},\"__metadata__\":{{\"format\":\"pt\",\"epochs\":\"3\"}},{B}}}   ", Data);

        SafetensorsFile read = SafetensorsFile.Read(new ForwardOnlyStream(file));

        Assert.Equal("3", read.Metadata["epochs"]);
        Assert.Equal(2, read.Tensors.Count);
    }

    [Fact]
    public void Null_metadata_means_none()
    {
        byte[] file = SafetensorsBytes.File($"{{\"__metadata__\":null,{A},{B}}}", Data);

        Assert.Empty(SafetensorsFile.Read(new MemoryStream(file)).Metadata);
    }

    /// <summary>A container error: <see cref="SafetensorsFile.Read"/> fails too, and so does every Load.</summary>
    private static void AssertReadFails(byte[] file, string? tensor)
    {
        AssertNamesTensor(Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(new MemoryStream(file))), tensor);
        AssertNamesTensor(Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(new ForwardOnlyStream(file))), tensor);
        AssertLoadFails(file, tensor);
    }

    /// <summary>Load into float and double, from seekable and forward-only streams: each fails and writes nothing.</summary>
    private static void AssertLoadFails(byte[] file, string? tensor)
    {
        foreach (bool seekable in new[] { true, false })
        {
            var singles = new float[10];
            var doubles = new double[10];
            Array.Fill(singles, Sentinel);
            Array.Fill(doubles, Sentinel);

            AssertNamesTensor(Assert.Throws<InvalidDataException>(() => Safetensors.Load(Open(file, seekable), Layout, singles)), tensor);
            AssertNamesTensor(Assert.Throws<InvalidDataException>(() => Safetensors.Load(Open(file, seekable), Layout, doubles)), tensor);

            Assert.All(singles, v => Assert.Equal(Sentinel, v));
            Assert.All(doubles, v => Assert.Equal(Sentinel, v));
        }
    }

    private static Stream Open(byte[] file, bool seekable) => seekable ? new MemoryStream(file) : new ForwardOnlyStream(file);

    private static void AssertNamesTensor(InvalidDataException error, string? tensor)
    {
        if (tensor is not null)
        {
            Assert.Contains($"'{tensor}'", error.Message);
        }
    }
}
