using System;
using System.IO;
using System.Linq;
using RnnGen.Samples;
using Xunit;

namespace RnnGen.Tests.Weights;

/// <summary>
/// Classes this test project compiles through the real build step (RnnGen.targets): specs whose <c>weights</c>
/// name the jump demo's trained file start with its values, bit for bit, and predict exactly as the same file
/// loaded at run time does; the file is read by the build only.
/// </summary>
public sealed class CompiledWeightsTests
{
    private static readonly string FilePath = Path.Combine(AppContext.BaseDirectory, "Demo", "jump_detector.safetensors");

    [Fact]
    public void Float32_class_starts_with_the_file_bit_for_bit_whatever_the_seed()
    {
        var loaded = new JumpDetector();
        using (FileStream stream = File.OpenRead(FilePath))
        {
            loaded.LoadSafetensors(stream);
        }

        int[] expected = loaded.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        Assert.Equal(expected, new CompiledJumpDetector().Parameters.ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expected, new CompiledJumpDetector(seed: 42).Parameters.ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(JumpDetector.ParameterLayout.Select(p => p.ToString()), CompiledJumpDetector.ParameterLayout.Select(p => p.ToString()));
    }

    [Fact]
    public void Float32_class_predicts_as_the_file_loaded_at_run_time()
    {
        var loaded = new JumpDetector();
        using (FileStream stream = File.OpenRead(FilePath))
        {
            loaded.LoadSafetensors(stream);
        }

        var compiled = new CompiledJumpDetector();
        var input = new float[JumpDetector.SequenceLength * JumpDetector.InputSize];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = MathF.Sin(0.37f * i);
        }

        var expected = new float[1];
        var actual = new float[1];
        loaded.Predict(input, expected);
        compiled.Predict(input, actual);
        Assert.Equal(BitConverter.SingleToInt32Bits(expected[0]), BitConverter.SingleToInt32Bits(actual[0]));
    }

    [Fact]
    public void Float64_class_starts_with_the_file_converted_exactly()
    {
        SafetensorsFile file;
        using (FileStream stream = File.OpenRead(FilePath))
        {
            file = SafetensorsFile.Read(stream);
        }

        double[] expected = CompiledJumpDetector64.ParameterLayout.SelectMany(p => file[p.Name].ToDoubleArray()).ToArray();
        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), new CompiledJumpDetector64().Parameters.ToArray().Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Training_moves_away_from_the_compiled_weights_and_a_new_instance_starts_from_them_again()
    {
        var model = new CompiledJumpDetector();
        float before = model.Parameters[0];
        var input = new float[CompiledJumpDetector.SequenceLength * CompiledJumpDetector.InputSize];
        input.AsSpan().Fill(0.5f);
        model.TrainStep(input, [0f]);

        Assert.NotEqual(before, model.Parameters[0]);
        Assert.Equal(before, new CompiledJumpDetector().Parameters[0]);
    }
}
