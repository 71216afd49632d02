using System;
using System.IO;
using System.Linq;
using RnnGen.Tests.Models;
using RnnGen.Tests.Numerics;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.EncoderDecoder;

/// <summary>
/// Every encoder-decoder fixture (tests/RnnGen.Tests/Fixtures/Seq2Seq*, made by make_seq2seq_fixtures.py from the
/// PyTorch mirror, itself checked there against a naive per-step loop) against the generated class: greedy
/// inference, teacher-forced losses and gradients, decoded tokens. Tolerances: <see cref="Tolerance"/>.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class EncoderDecoderParityTests
{
    private readonly ITestOutputHelper _log;

    public EncoderDecoderParityTests(ITestOutputHelper log) => _log = log;

    private static string[] FixtureNames => Directory.GetFiles(Fixture.Directory, "*.seq2seq.safetensors")
        .Select(f => Path.GetFileName(f).Split('.')[0]).Order(StringComparer.Ordinal).ToArray();

    public static TheoryData<string> Models => new(FixtureNames);

    private sealed record Data(double[][] Inputs, int[] Lengths, double[][] Targets, double[] Losses, double[][] Greedy, SafetensorsFile File)
    {
        public int Count => Lengths.Length;
    }

    private static Data Load(Seq2SeqHandle model)
    {
        using FileStream stream = File.OpenRead(Path.Combine(Fixture.Directory, model.Name + ".seq2seq.safetensors"));
        SafetensorsFile file = SafetensorsFile.Read(stream);
        int[] lengths = file["length"].ToDoubleArray().Select(v => (int)v).ToArray();
        int n = lengths.Length;
        double[][] Split(string name)
        {
            double[] all = file[name].ToDoubleArray();
            int each = all.Length / n;
            return Enumerable.Range(0, n).Select(i => all[(i * each)..((i + 1) * each)]).ToArray();
        }

        return new Data(Split("input"), lengths, Split("target"), file["loss"].ToDoubleArray(), Split("greedy"), file);
    }

    private static Seq2SeqHandle Loaded(string name)
    {
        Seq2SeqHandle model = Seq2SeqHandle.Create(name);
        model.Load(Path.Combine(Fixture.Directory, name + ".safetensors"));
        return model;
    }

    [Fact]
    public void Every_encoder_decoder_fixture_is_compiled_and_tested()
    {
        string[] names = Seq2SeqHandle.Names.ToArray();
        Assert.Equal(8, FixtureNames.Length);
        Assert.Empty(FixtureNames.Except(names));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Greedy_predict_matches_pytorch(string name)
    {
        Seq2SeqHandle model = Loaded(name);
        Data data = Load(model);
        Tolerance tolerance = model.IsDouble ? Tolerance.Float64 : Tolerance.Float32;
        double worst = 0;
        for (int i = 0; i < data.Count; i++)
        {
            worst = Math.Max(worst, tolerance.AssertClose(data.Greedy[i], model.Predict(data.Inputs[i], data.Lengths[i]), $"{name} sequence {i} (length {data.Lengths[i]})"));
        }

        _log.WriteLine($"{name}: worst greedy output error {worst:E3}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Teacher_forced_losses_and_gradients_match_pytorch(string name)
    {
        Seq2SeqHandle model = Loaded(name);
        Data data = Load(model);
        Tolerance tolerance = model.IsDouble ? Tolerance.Float64 : Tolerance.Float32;
        model.ZeroGradients();
        double[] losses = Enumerable.Range(0, data.Count).Select(i => model.Accumulate(data.Inputs[i], data.Targets[i], data.Lengths[i])).ToArray();
        double worstLoss = tolerance.AssertClose(data.Losses, losses, $"{name} losses");

        double[] gradients = model.GetGradients();
        double worst = 0;
        foreach (ParameterInfo parameter in model.Layout)
        {
            double[] expected = data.File["grad." + parameter.Name].ToDoubleArray();
            worst = Math.Max(worst, tolerance.AssertClose(expected, gradients.AsSpan(parameter.Offset, parameter.Length), $"{name} d/d {parameter.Name}"));
        }

        Assert.Contains(model.Layout, p => p.Name.StartsWith("encoder.", StringComparison.Ordinal) && gradients.AsSpan(p.Offset, p.Length).ToArray().Any(g => g != 0));
        _log.WriteLine($"{name}: worst loss error {worstLoss:E3}, worst gradient error {worst:E3}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Layout_is_the_mirrors_state_dict(string name)
    {
        Seq2SeqHandle model = Seq2SeqHandle.Create(name);
        Data data = Load(model);
        string[] expected = data.File.Tensors.Select(t => t.Name).Where(n => n.StartsWith("grad.", StringComparison.Ordinal)).Select(n => n["grad.".Length..]).ToArray();
        string[] actual = model.Layout.Select(p => p.Name).ToArray();
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));

        // state_dict order: encoder, bridge, decoder, head, each part contiguous from offset 0
        string[] parts = actual.Select(n => n.Split('.')[0]).Distinct().ToArray();
        Assert.Equal(new[] { "encoder", "bridge", "decoder", "head" }.Where(parts.Contains), parts);
        int offset = 0;
        foreach (ParameterInfo parameter in model.Layout)
        {
            Assert.Equal(offset, parameter.Offset);
            offset += parameter.Length;
        }

        Assert.Equal(model.Constant("ParameterCount"), offset);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Decode_writes_the_greedy_tokens_up_to_the_stop(string name)
    {
        Seq2SeqHandle model = Loaded(name);
        if (!model.TokenDecoder)
        {
            return;
        }

        Data data = Load(model);
        double[] tokens = data.File["tokens"].ToDoubleArray();
        double[] counts = data.File["count"].ToDoubleArray();
        int length = model.OutputLength;
        for (int i = 0; i < data.Count; i++)
        {
            var output = new int[length];
            int count = model.Decode(data.Inputs[i], data.Lengths[i], output);
            Assert.Equal((int)counts[i], count);
            Assert.Equal(tokens[(i * length)..((i * length) + count)].Select(v => (int)v), output.Take(count));

            // the same tokens as the argmax of Predict's rows, the step-by-step reference of greedy decoding
            double[] rows = model.Predict(data.Inputs[i], data.Lengths[i]);
            for (int step = 0; step < count; step++)
            {
                double[] row = rows[(step * model.OutputSize)..((step + 1) * model.OutputSize)];
                Assert.Equal(Array.IndexOf(row, row.Max()), output[step]);
            }

            // a shorter output span ends early; temperature 0 samples the greedy tokens
            var two = new int[2];
            Assert.Equal(Math.Min(2, count), model.Decode(data.Inputs[i], data.Lengths[i], two));
            var generated = new int[length];
            Assert.Equal(count, model.Generate(data.Inputs[i], data.Lengths[i], generated, 0, 123));
            Assert.Equal(output.Take(count), generated.Take(count));
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Sampling_is_reproducible_with_a_seed(string name)
    {
        Seq2SeqHandle model = Loaded(name);
        if (!model.TokenDecoder)
        {
            return;
        }

        Data data = Load(model);
        int length = model.OutputLength;
        string Sample(int seed, float temperature)
        {
            var output = new int[length];
            int count = model.Generate(data.Inputs[0], data.Lengths[0], output, temperature, seed);
            Assert.InRange(count, 1, length);
            return string.Join(",", output.Take(count));
        }

        Assert.Equal(Sample(42, 1.5f), Sample(42, 1.5f));
        int distinct = Enumerable.Range(0, 40).Select(seed => Sample(seed, 3f)).Distinct().Count();
        Assert.True(distinct > 1, $"{name}: 40 seeds at temperature 3 gave one sequence");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Inference_and_training_allocate_nothing_after_the_first_call(string name)
    {
        Seq2SeqHandle model = Loaded(name);
        Data data = Load(model);
        Assert.Equal(0, model.AllocatedBytes(data.Inputs[1], data.Targets[1], data.Lengths[1], 20));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Safetensors_round_trip(string name)
    {
        Seq2SeqHandle model = Loaded(name);
        Data data = Load(model);
        Seq2SeqHandle copy = Seq2SeqHandle.Create(name, seed: 5);
        Assert.NotEqual(model.GetParameters(), copy.GetParameters());
        copy.Load(new MemoryStream(model.Save()));
        Assert.Equal(model.GetParameters(), copy.GetParameters());
        Assert.Equal(model.Predict(data.Inputs[0], data.Lengths[0]), copy.Predict(data.Inputs[0], data.Lengths[0]));
    }
}
