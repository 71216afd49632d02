using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Runtime;
using Xunit;
using static RnnGen.Tests.Weights.WeightsHarness;

namespace RnnGen.Tests.Weights;

/// <summary>
/// A class with compiled-in weights starts with exactly the values <c>LoadSafetensors</c> reads from the same file,
/// bit for bit, for every dtype (F16, BF16, F32, F64, mixed in one file) into either precision, edge values included
/// (subnormals, the largest finite, infinities, negative zero, F64 rounding to float32), and whatever the seed.
/// </summary>
public sealed class WeightsConversionTests
{
    [Theory]
    [InlineData("float32")]
    [InlineData("float64")]
    public void Compiled_parameters_equal_the_file_loaded_at_run_time_bit_for_bit(string precision)
    {
        List<TensorBytes> tensors = TinyTensors();
        tensors[0] = tensors[0] with { DType = "F16", Data = SafetensorsBytes.Words(0x0001, 0x7BFF, 0xFC00, 0x8000, 0x3C00, 0x03FF) };
        tensors[1] = tensors[1] with { DType = "BF16", Data = Encode([0.1, -2.5, 1e-39, 3e38, -0.0, 7, 8, 9, 10], "BF16") };
        tensors[2] = tensors[2] with { DType = "F64", Data = SafetensorsBytes.Doubles(0.1, 1e-40, -1.0 / 3) };
        tensors[3] = tensors[3] with { DType = "F64", Data = SafetensorsBytes.Doubles(double.PositiveInfinity, double.MaxValue / 1e300, -0.0) };
        byte[] file = File(Enumerable.Reverse(tensors));
        string type = precision == "float32" ? "float" : "double";

        GeneratorRun run = Run(TinySpec(precision), Sidecar(file), $$"""
            public static class Probe
            {
                public static {{type}}[] Compiled(int? seed) => (seed is { } s ? new Consumer.Tiny(s) : new Consumer.Tiny()).Parameters.ToArray();

                public static {{type}}[] Loaded(byte[] file)
                {
                    var model = new Consumer.Tiny();
                    model.Parameters.Clear();
                    model.LoadSafetensors(new System.IO.MemoryStream(file));
                    return model.Parameters.ToArray();
                }
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Type probe = Load(run).GetType("Probe")!;

        Array loaded = (Array)probe.GetMethod("Loaded")!.Invoke(null, [file])!;
        foreach (int? seed in new int?[] { null, 0, 12345 })
        {
            Array compiled = (Array)probe.GetMethod("Compiled")!.Invoke(null, [seed])!;
            Assert.Equal(Bits(loaded), Bits(compiled));
        }
    }

    private static long[] Bits(Array values) => values switch
    {
        float[] singles => singles.Select(v => (long)BitConverter.SingleToInt32Bits(v)).ToArray(),
        double[] doubles => doubles.Select(BitConverter.DoubleToInt64Bits).ToArray(),
        _ => throw new ArgumentException("not a parameter array", nameof(values)),
    };
}
