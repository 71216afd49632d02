using System;
using System.IO;
using System.Text.Json;
using RnnGen.Demo;
using RnnGen.Samples;
using Xunit;

namespace RnnGen.Tests.Demo;

/// <summary>
/// The demo's two promises: the C# port of the jump task (src/RnnGen.Demo/JumpTask.cs) makes the same sequences as
/// the Python generator that trained the model (src/python/jump_task.py, docs/jump_task.md), and the committed
/// weights, loaded into this assembly's JumpDetector, give PyTorch's answers on them.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class JumpTaskTests
{
    private const int FreshCount = 1000;

    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Demo");

    private static readonly Lazy<JumpSample[]> Fresh = new(() => JumpTask.Generate(JumpTask.FreshSeed, FreshCount));

    [Fact]
    public void The_port_reproduces_the_Python_generator_bit_for_bit()
    {
        // Exact, not within a tolerance: both sides make the same SplitMix64 draws and the same IEEE double
        // operations in the same order, then round once to float32 (docs/jump_task.md).
        using JsonDocument reference = Read("jump_task_reference.json");
        JsonElement root = reference.RootElement;
        Assert.Equal(JumpTask.FreshSeed, root.GetProperty("seed").GetInt32());
        int n = 0;
        foreach (JsonElement expected in root.GetProperty("sequences").EnumerateArray())
        {
            JumpSample actual = Fresh.Value[n];
            Assert.Equal(expected.GetProperty("label").GetInt32() == 1, actual.IsJump);
            int t = 0;
            foreach (JsonElement frame in expected.GetProperty("frames").EnumerateArray())
            {
                int j = 0;
                foreach (JsonElement value in frame.EnumerateArray())
                {
                    float want = (float)value.GetDouble();
                    float got = actual.Frames[(t * JumpTask.Features) + j];
                    Assert.True(
                        BitConverter.SingleToInt32Bits(want) == BitConverter.SingleToInt32Bits(got),
                        $"sequence {n}, frame {t}, feature {j}: C# {got:R}, Python {want:R}");
                    j++;
                }

                Assert.Equal(JumpTask.Features, j);
                t++;
            }

            Assert.Equal(JumpTask.Steps, t);
            n++;
        }

        Assert.Equal(2, n);
    }

    [Fact]
    public void The_whole_fresh_set_hashes_as_in_Python()
    {
        using JsonDocument reference = Read("jump_task_reference.json");
        JsonElement root = reference.RootElement;
        Assert.Equal(FreshCount, root.GetProperty("count").GetInt32());
        Assert.Equal(root.GetProperty("jumps").GetInt32(), Array.FindAll(Fresh.Value, s => s.IsJump).Length);
        Assert.Equal(root.GetProperty("fnv1a64").GetString(), Fnv1a64(Fresh.Value));
    }

    [Fact]
    public void Every_sample_consumes_the_documented_number_of_draws()
    {
        var drawn = new InitRandom(JumpTask.FreshSeed);
        JumpTask.Next(ref drawn);
        var skipped = new InitRandom(JumpTask.FreshSeed);
        for (int i = 0; i < JumpTask.DrawsPerSample; i++)
        {
            skipped.NextUInt64();
        }

        Assert.Equal(skipped.NextUInt64(), drawn.NextUInt64());
    }

    [Fact]
    public void The_committed_weights_reach_the_recorded_accuracy()
    {
        using JsonDocument reference = Read("jump_detector.reference.json");
        JsonElement root = reference.RootElement;
        Assert.Equal(JumpTask.FreshSeed, root.GetProperty("seed").GetInt32());
        Assert.Equal(FreshCount, root.GetProperty("count").GetInt32());
        JumpDetector model = LoadTrained();

        Span<float> p = stackalloc float[1];
        int correct = 0;
        foreach (JumpSample sample in Fresh.Value)
        {
            model.Predict(sample.Frames, p);
            correct += (p[0] > 0.5f) == sample.IsJump ? 1 : 0;
        }

        // A verdict may differ from PyTorch's only for a probability within float32 rounding (~1e-7) of 0.5; allow two.
        int recorded = root.GetProperty("correct").GetInt32();
        Assert.InRange(correct, recorded - 2, recorded + 2);
        Assert.True(correct > 0.9 * FreshCount, $"accuracy {correct}/{FreshCount}");
    }

    [Fact]
    public void The_committed_weights_reproduce_PyTorchs_probabilities()
    {
        // PyTorch's probabilities are the float32 weights evaluated in float64, so the difference is the C# class's
        // float32 rounding through 30 LSTM steps: within the parity tests' 1e-5 (observed about 1e-7).
        using JsonDocument reference = Read("jump_detector.reference.json");
        JsonElement root = reference.RootElement;
        JumpDetector model = LoadTrained();
        JsonElement probabilities = root.GetProperty("probabilities");
        JsonElement labels = root.GetProperty("labels");
        Assert.Equal(5, probabilities.GetArrayLength());

        Span<float> p = stackalloc float[1];
        for (int i = 0; i < probabilities.GetArrayLength(); i++)
        {
            Assert.Equal(labels[i].GetInt32() == 1, Fresh.Value[i].IsJump);
            model.Predict(Fresh.Value[i].Frames, p);
            double expected = probabilities[i].GetDouble();
            Assert.True(Math.Abs(p[0] - expected) <= 1e-5, $"sequence {i}: C# {p[0]:R}, PyTorch {expected:R}");
        }
    }

    private static JumpDetector LoadTrained()
    {
        var model = new JumpDetector();
        using FileStream stream = File.OpenRead(Path.Combine(Folder, "jump_detector.safetensors"));
        model.LoadSafetensors(stream);
        return model;
    }

    private static JsonDocument Read(string name)
    {
        using FileStream stream = File.OpenRead(Path.Combine(Folder, name));
        return JsonDocument.Parse(stream);
    }

    /// <summary>FNV-1a (64-bit) over every input's float32 bits, little-endian, then every label's byte: jump_task.fnv1a64.</summary>
    private static string Fnv1a64(JumpSample[] samples)
    {
        ulong hash = 0xCBF29CE484222325UL;
        void Add(byte b) => hash = unchecked((hash ^ b) * 0x100000001B3UL);
        foreach (JumpSample sample in samples)
        {
            foreach (float value in sample.Frames)
            {
                int bits = BitConverter.SingleToInt32Bits(value);
                for (int shift = 0; shift < 32; shift += 8)
                {
                    Add((byte)(bits >> shift));
                }
            }
        }

        foreach (JumpSample sample in samples)
        {
            Add(sample.IsJump ? (byte)1 : (byte)0);
        }

        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
