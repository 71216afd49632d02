using System;
using Xunit;

namespace RnnGen.Tests.Weights;

/// <summary>The runtime side of compiled-in weights, <see cref="CompiledWeights"/>, on its own.</summary>
public sealed class CompiledWeightsReaderTests
{
    [Fact]
    public void Two_bytes_per_char_low_byte_first()
    {
        // 1.0f is 0x3F800000: bytes 00 00 80 3F, chars 0x0000 and 0x3F80.
        var single = new float[1];
        CompiledWeights.Read("\u0000\u3F80", SafetensorsDType.F32, single, "t");
        Assert.Equal(1.0f, single[0]);

        var fromHalf = new double[1];
        CompiledWeights.Read("\u3C00", SafetensorsDType.F16, fromHalf, "t");
        Assert.Equal(1.0, fromHalf[0]);
    }

    [Fact]
    public void A_length_that_does_not_fit_is_an_argument_error()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => CompiledWeights.Read("\u0000", SafetensorsDType.F32, new float[1], "head.bias"));
        Assert.Contains("head.bias", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_one_chunk_converts_every_element()
    {
        var values = new float[1000];
        var data = new char[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(i * 0.5f);
            data[2 * i] = (char)(bits & 0xFFFF);
            data[(2 * i) + 1] = (char)(bits >> 16);
        }

        CompiledWeights.Read(new string(data), SafetensorsDType.F32, values, "t");
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(i * 0.5f, values[i]);
        }
    }
}
