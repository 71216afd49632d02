using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Xunit;

namespace RnnGen.Tests.Runtime;

public class SafetensorsRoundTripTests
{
    private static readonly ParameterInfo[] Layout =
    [
        new("layers.0.weight_ih_l0", 0, 2, 3),
        new("layers.0.bias_ih_l0", 6, 4),
    ];

    private static readonly float[] SingleValues = [0.1f, -2.5f, 3e-30f, float.MaxValue, -0f, 1f / 3f, 7f, -8.25f, float.Epsilon, 1e20f];

    private static readonly double[] DoubleValues = [0.1, -2.5, 3e-300, double.MaxValue, -0.0, 1.0 / 3.0, 7, -8.25, double.Epsilon, 1e200];

    [Fact]
    public void Float_round_trip_is_exact_including_negative_zero()
    {
        var saved = new MemoryStream();
        Safetensors.Save(saved, Layout, SingleValues, "Tiny");
        var loaded = new float[SingleValues.Length];
        saved.Position = 0;

        Safetensors.Load(saved, Layout, loaded);

        Assert.Equal(BitsOf(SingleValues), BitsOf(loaded));
    }

    [Fact]
    public void Double_round_trip_is_exact_including_negative_zero()
    {
        var saved = new MemoryStream();
        Safetensors.Save(saved, Layout, DoubleValues, "Tiny");
        var loaded = new double[DoubleValues.Length];

        Safetensors.Load(new ForwardOnlyStream(saved.ToArray()), Layout, loaded);

        Assert.Equal(Array.ConvertAll(DoubleValues, BitConverter.DoubleToInt64Bits), Array.ConvertAll(loaded, BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Save_writes_the_documented_header_padded_to_eight_bytes()
    {
        var saved = new MemoryStream();
        Safetensors.Save(saved, Layout, SingleValues, "Tiny");
        byte[] bytes = saved.ToArray();

        const string Json =
            "{\"__metadata__\":{\"format\":\"pt\",\"model\":\"Tiny\"}," +
            "\"layers.0.weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}," +
            "\"layers.0.bias_ih_l0\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40]}}";
        int padded = (Json.Length + 7) / 8 * 8;
        Assert.Equal((ulong)padded, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(Json.PadRight(padded, ' '), Encoding.UTF8.GetString(bytes, 8, padded));
        Assert.Equal(8 + padded + 40, bytes.Length);
        Assert.Equal(SafetensorsBytes.Singles(SingleValues), bytes[(8 + padded)..]);
    }

    [Fact]
    public void Save_is_deterministic_and_leaves_the_stream_open()
    {
        var first = new MemoryStream();
        var second = new MemoryStream();
        Safetensors.Save(first, Layout, DoubleValues, "Tiny");
        Safetensors.Save(second, Layout, DoubleValues, "Tiny");

        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.True(first.CanWrite);
    }

    [Fact]
    public void Read_returns_the_saved_metadata_shapes_and_values()
    {
        var saved = new MemoryStream();
        Safetensors.Save(saved, Layout, DoubleValues, "JumpDetector");
        saved.Position = 0;

        SafetensorsFile file = SafetensorsFile.Read(saved);

        Assert.Equal("JumpDetector", file.Metadata["model"]);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(2, file.Metadata.Count);
        Assert.Equal(new[] { "layers.0.weight_ih_l0", "layers.0.bias_ih_l0" }, Array.ConvertAll([.. file.Tensors], t => t.Name));
        SafetensorsTensor weight = file["layers.0.weight_ih_l0"];
        Assert.Equal(SafetensorsDType.F64, weight.DType);
        Assert.Equal(new[] { 2, 3 }, weight.Shape);
        Assert.Equal(DoubleValues[..6], weight.ToDoubleArray());
        Assert.Equal(DoubleValues[6..], file["layers.0.bias_ih_l0"].ToDoubleArray());
        Assert.True(file.TryGetTensor("layers.0.bias_ih_l0", out SafetensorsTensor? bias));
        Assert.Equal(new[] { 4 }, bias.Shape);
        Assert.False(file.TryGetTensor("head.weight", out _));
        KeyNotFoundException missing = Assert.Throws<KeyNotFoundException>(() => file["head.weight"]);
        Assert.Contains("'head.weight'", missing.Message);
    }

    [Fact]
    public void Read_stops_after_the_data_section()
    {
        var saved = new MemoryStream();
        Safetensors.Save(saved, Layout, SingleValues, "Tiny");
        long end = saved.Length;
        saved.WriteByte(0xAB);
        saved.Position = 0;

        SafetensorsFile.Read(saved);

        Assert.Equal(end, saved.Position);
        Assert.Equal(0xAB, saved.ReadByte());
    }

    [Fact]
    public void Load_leaves_elements_outside_the_layout_alone()
    {
        ParameterInfo[] layout = [new("w", 1, 2)];
        byte[] file = SafetensorsBytes.File(
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
            SafetensorsBytes.Singles(1.5f, -3f));
        var parameters = new float[] { 9f, 0f, 0f, 9f };

        Safetensors.Load(new MemoryStream(file), layout, parameters);

        Assert.Equal(new[] { 9f, 1.5f, -3f, 9f }, parameters);
    }

    [Fact]
    public void Save_and_Load_reject_a_layout_that_does_not_fit_the_span()
    {
        ParameterInfo[] beyond = [new("w", 8, 4)];
        ParameterInfo[] twice = [new("w", 0, 2), new("w", 2, 2)];
        ParameterInfo[] reserved = [new("__metadata__", 0, 2)];

        Assert.Throws<ArgumentException>(() => Safetensors.Save(new MemoryStream(), beyond, new float[10], "M"));
        Assert.Throws<ArgumentException>(() => Safetensors.Save(new MemoryStream(), twice, new float[10], "M"));
        Assert.Throws<ArgumentException>(() => Safetensors.Save(new MemoryStream(), reserved, new double[10], "M"));
        Assert.Throws<ArgumentException>(() => Safetensors.Load(new MemoryStream(), beyond, new float[10]));
    }

    private static int[] BitsOf(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);
}
