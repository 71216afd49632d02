using System.IO;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>Hand-built files of each dtype; the expected decimals are worked out from the bit patterns by hand
/// (and checked with Python's struct module), not with the library.</summary>
public class SafetensorsDTypeTests
{
    private static readonly ParameterInfo[] Layout = [new("v", 0, 5)];

    // F16: 0x3E00 = 1.5, 0xB400 = -0.25, 0x7BFF = 65504 (largest), 0x0001 = 2^-24 (smallest subnormal), 0xC000 = -2.
    private static readonly byte[] F16File = File("F16", SafetensorsBytes.Words(0x3E00, 0xB400, 0x7BFF, 0x0001, 0xC000));
    private static readonly double[] F16Values = [1.5, -0.25, 65504, 5.9604644775390625e-08, -2];

    // BF16 is the top half of a binary32: 0x3FC0 = 1.5, 0x4049 = 3.140625, 0xC000 = -2, 0x3F80 = 1, 0x0000 = 0.
    private static readonly byte[] BF16File = File("BF16", SafetensorsBytes.Words(0x3FC0, 0x4049, 0xC000, 0x3F80, 0x0000));
    private static readonly double[] BF16Values = [1.5, 3.140625, -2, 1, 0];

    [Fact]
    public void F16_converts_exactly()
    {
        AssertLoads(F16File, F16Values);
    }

    [Fact]
    public void BF16_converts_exactly()
    {
        AssertLoads(BF16File, BF16Values);
    }

    [Fact]
    public void F32_converts_exactly_to_double()
    {
        // 0x3DCCCCCD is float 0.1, exactly 0.100000001490116119384765625.
        byte[] file = File("F32", SafetensorsBytes.Concat(SafetensorsBytes.Words(0xCCCD, 0x3DCC), SafetensorsBytes.Singles(-0.5f, 1024f, 0.375f, -7f)));
        AssertLoads(file, [0.100000001490116119384765625, -0.5, 1024, 0.375, -7]);
    }

    [Fact]
    public void F64_rounds_to_nearest_float()
    {
        byte[] file = File("F64", SafetensorsBytes.Doubles(0.1, 1.0 + 9.31322574615478515625e-10, -3.25, 1e-50, 1e30));
        var singles = new float[5];
        var doubles = new double[5];

        Safetensors.Load(new MemoryStream(file), Layout, singles);
        Safetensors.Load(new MemoryStream(file), Layout, doubles);

        Assert.Equal(new[] { 0.1, 1.0 + 9.31322574615478515625e-10, -3.25, 1e-50, 1e30 }, doubles);
        // 1 + 2^-30 is below half an ulp of 1f (2^-24); 1e-50 underflows to 0; 1e30 rounds to 1.00000002e30f.
        Assert.Equal(new[] { 0.1f, 1f, -3.25f, 0f, 1.00000002e30f }, singles);
    }

    [Fact]
    public void F64_beyond_float_range_fails_for_float_models_only()
    {
        byte[] file = File("F64", SafetensorsBytes.Doubles(1, 2, 1e300, 4, 5));
        var singles = new float[] { 7, 7, 7, 7, 7 };
        var doubles = new double[5];

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(new MemoryStream(file), Layout, singles));
        Safetensors.Load(new MemoryStream(file), Layout, doubles);

        Assert.Contains("'v'", error.Message);
        Assert.Equal(new float[] { 7, 7, 7, 7, 7 }, singles);
        Assert.Equal(1e300, doubles[2]);
    }

    [Fact]
    public void Tensor_reports_dtype_and_converts_to_both_precisions()
    {
        SafetensorsTensor tensor = SafetensorsFile.Read(new MemoryStream(F16File))["v"];

        Assert.Equal(SafetensorsDType.F16, tensor.DType);
        Assert.Equal(new[] { 5 }, tensor.Shape);
        Assert.Equal(F16Values, tensor.ToDoubleArray());
        Assert.Equal(new[] { 1.5f, -0.25f, 65504f, 5.9604644775390625e-08f, -2f }, tensor.ToSingleArray());
    }

    [Fact]
    public void Scalar_and_empty_tensors_are_read()
    {
        // A scalar has shape [] and one element; a tensor with a zero dimension has no bytes and may share its
        // offset with the next tensor.
        byte[] file = SafetensorsBytes.File(
            "{\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]},\"scalar\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[0,2]}}",
            SafetensorsBytes.Words(0xC0A0));

        SafetensorsFile read = SafetensorsFile.Read(new MemoryStream(file));

        Assert.Equal(new[] { "empty", "scalar" }, System.Array.ConvertAll([.. read.Tensors], t => t.Name));
        Assert.Equal(new[] { 0, 3 }, read["empty"].Shape);
        Assert.Empty(read["empty"].ToSingleArray());
        Assert.Empty(read["scalar"].Shape);
        Assert.Equal(new[] { -5.0 }, read["scalar"].ToDoubleArray());
    }

    private static byte[] File(string dtype, byte[] data) =>
        SafetensorsBytes.File($"{{\"v\":{{\"dtype\":\"{dtype}\",\"shape\":[5],\"data_offsets\":[0,{data.Length}]}}}}", data);

    private static void AssertLoads(byte[] file, double[] expected)
    {
        var singles = new float[expected.Length];
        var doubles = new double[expected.Length];

        Safetensors.Load(new MemoryStream(file), Layout, singles);
        Safetensors.Load(new ForwardOnlyStream(file), Layout, doubles);

        Assert.Equal(expected, doubles);
        Assert.Equal(System.Array.ConvertAll(expected, v => (float)v), singles);
    }
}
