using System;
using System.IO;
using System.Linq;
using RnnGen.Tests.Models;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.EncoderDecoder;

/// <summary>
/// What the fixtures cannot show: gradients against central finite differences (independent of PyTorch), dropout,
/// training that learns, and calls that are wrong in every way the API documents.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class EncoderDecoderBehaviorTests
{
    private readonly ITestOutputHelper _log;

    public EncoderDecoderBehaviorTests(ITestOutputHelper log) => _log = log;

    public static TheoryData<string> Float64Models => new(Seq2SeqHandle.Names.Where(n => n.EndsWith("64", StringComparison.Ordinal)));

    public static TheoryData<string> Models => new(Seq2SeqHandle.Names);

    /// <summary>An input, its length and a target drawn from a fixed generator, for any of the fixture models.</summary>
    private static (double[] Input, int Length, double[] Target) Pair(Seq2SeqHandle model, int seed)
    {
        var random = new InitRandom(seed);
        int vocab = model.TokenInput ? model.Constant("VocabSize") : 0;
        double[] input = Enumerable.Range(0, model.InputPerSequence).Select(_ => vocab > 0 ? Math.Floor(random.NextDouble() * vocab) : (2 * random.NextDouble()) - 1).ToArray();
        int length = Math.Max(1, model.SequenceLength - 1);
        bool classes = model.Type.GetMethods().First(m => m.Name == "AccumulateGradients").GetParameters()[1].ParameterType == typeof(ReadOnlySpan<int>);
        double[] target = classes
            ? Enumerable.Range(0, model.OutputLength).Select(step => step == 1 ? -100 : Math.Floor(random.NextDouble() * model.OutputSize)).ToArray()
            : Enumerable.Range(0, model.OutputLength * model.OutputSize).Select(_ => random.NextDouble() < 0.5 ? 0.0 : 1.0).ToArray(); // 0/1: binary cross-entropy can approach 0
        return (input, length, target);
    }

    /// <summary>
    /// Central differences, step 1e-6, on every parameter of the float64 fixtures (encoder, bridge, decoder, head):
    /// truncation ~1e-12 and rounding ~1e-10 for losses of order 1, so 1e-8 absolute or 1e-6 relative is a real check.
    /// </summary>
    [Theory]
    [MemberData(nameof(Float64Models))]
    public void Gradients_match_central_finite_differences(string name)
    {
        Seq2SeqHandle model = Seq2SeqHandle.Create(name, seed: 3);
        (double[] input, int length, double[] target) = Pair(model, 17);
        double[] theta = model.GetParameters();
        double Loss(double[] parameters)
        {
            model.SetParameters(parameters);
            if (model.HasDropout)
            {
                model.SeedDropout(8); // the same masks for every evaluation
            }

            model.ZeroGradients();
            return model.Accumulate(input, target, length);
        }

        Loss(theta);
        double[] analytic = model.GetGradients();
        const double Step = 1e-6;
        double worst = 0;
        for (int i = 0; i < theta.Length; i++)
        {
            double[] plus = (double[])theta.Clone();
            double[] minus = (double[])theta.Clone();
            plus[i] += Step;
            minus[i] -= Step;
            double numeric = (Loss(plus) - Loss(minus)) / (2 * Step);
            double error = Math.Abs(numeric - analytic[i]);
            string owner = model.Layout.First(p => i >= p.Offset && i < p.Offset + p.Length).Name;
            Assert.True(error <= 1e-8 || error <= 1e-6 * Math.Abs(numeric), $"{name} parameter {i} ({owner}): analytic {analytic[i]:R}, numeric {numeric:R}");
            worst = Math.Max(worst, error);
        }

        Assert.Contains(analytic, g => g != 0);
        _log.WriteLine($"{name}: worst |analytic - numeric| {worst:E3} over {theta.Length} parameters");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Training_steps_lower_the_loss_of_a_pair(string name)
    {
        Seq2SeqHandle model = Seq2SeqHandle.Create(name, seed: 2);
        (double[] input, int length, double[] target) = Pair(model, 5);
        double first = model.TrainStep(input, target, length);
        double last = first;
        for (int i = 0; i < 60; i++)
        {
            last = model.TrainStep(input, target, length);
        }

        Assert.True(last < 0.5 * first, $"{name}: loss {first} -> {last} after 60 steps on one pair");
        Assert.All(model.GetGradients(), g => Assert.Equal(0, g));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Wrong_calls_throw_before_anything_changes(string name)
    {
        Seq2SeqHandle model = Seq2SeqHandle.Create(name, seed: 4);
        (double[] input, int length, double[] target) = Pair(model, 9);
        double[] before = model.Predict(input, length);

        Assert.Throws<ArgumentException>(() => model.Predict(input[1..], length));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(input, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(input, model.SequenceLength + 1));
        Assert.Throws<ArgumentException>(() => model.Accumulate(input, target[1..], length));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Accumulate(input, target, 0));
        if (model.TokenInput)
        {
            double[] bad = (double[])input.Clone();
            bad[0] = model.Constant("VocabSize");
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(bad, length));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Accumulate(bad, target, length));
        }

        if (model.TokenDecoder)
        {
            double[] badTarget = (double[])target.Clone();
            badTarget[0] = model.OutputSize;
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Accumulate(input, badTarget, length));
            badTarget[0] = -1;
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Accumulate(input, badTarget, length));
            Assert.Throws<ArgumentException>(() => model.Decode(input, length, Array.Empty<int>()));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(input, length, new int[2], -1, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(input, length, new int[2], float.NaN, 0));
        }

        Assert.All(model.GetGradients(), g => Assert.Equal(0, g));
        Assert.Equal(before, model.Predict(input, length));
        Assert.Throws<InvalidDataException>(() => model.Load(new MemoryStream(new byte[] { 1, 2, 3 })));
        Assert.Equal(before, model.Predict(input, length));
    }

    [Fact]
    public void Another_models_weights_are_refused()
    {
        Seq2SeqHandle model = Seq2SeqHandle.Create("Seq2SeqBridge");
        double[] parameters = model.GetParameters();
        var error = Assert.Throws<InvalidDataException>(() => model.Load(Path.Combine(Fixture.Directory, "Seq2SeqGru.safetensors")));
        Assert.NotEmpty(error.Message);
        Assert.Equal(parameters, model.GetParameters());
    }
}
