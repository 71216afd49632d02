using System;
using System.IO;
using System.Linq;
using RnnGen.Tests.Models;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Numerics;

/// <summary>
/// Backpropagation through time against two independent sources: PyTorch autograd (the
/// <c>*.grad.safetensors</c> fixtures, computed in float64 from the stored values) and central
/// finite differences of the generated class's own loss in float64.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class GradientTests
{
    private readonly ITestOutputHelper _log;

    public GradientTests(ITestOutputHelper log) => _log = log;

    public static TheoryData<string> GradientFixtures => new(GradientFixtureNames);

    private static string[] GradientFixtureNames => Directory.GetFiles(Fixture.Directory, "*.grad.safetensors")
        .Select(p => Path.GetFileName(p)[..^".grad.safetensors".Length])
        .OrderBy(n => n, StringComparer.Ordinal)
        .ToArray();

    /// <summary>Models small enough for a difference on every parameter; the wide ones sample theirs (Training/WideLayerGradientTests).</summary>
    private const int MaxFiniteDifferenceParameters = 100_000;

    public static TheoryData<string> Float64TrainableModels => new(
        ModelHandle.ModelTypes
            .Where(t => ModelHandle.HasMethod(t, "AccumulateGradients") && t.GetProperty("Parameters")!.PropertyType == typeof(Span<double>))
            .Where(t => (int)t.GetField("ParameterCount")!.GetRawConstantValue()! <= MaxFiniteDifferenceParameters)
            .Select(t => t.Name)
            .OrderBy(n => n, StringComparer.Ordinal));

    [Fact]
    public void Every_trainable_fixture_model_has_gradient_fixtures()
    {
        string[] trainable = ModelHandle.ModelTypes
            .Where(t => t.Namespace is not ("RnnGen.Tests.Training" or "RnnGen.Tests.Weights") && ModelHandle.HasMethod(t, "AccumulateGradients"))
            .Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(trainable);
        Assert.Equal(trainable, GradientFixtureNames);
    }

    [Theory]
    [MemberData(nameof(GradientFixtures))]
    public void Loss_and_accumulated_gradients_match_pytorch_autograd(string name)
    {
        ModelHandle model = ModelHandle.Create(name);
        model.Load(Path.Combine(Fixture.Directory, name + ".safetensors"));
        using FileStream stream = File.OpenRead(Path.Combine(Fixture.Directory, name + ".grad.safetensors"));
        SafetensorsFile file = SafetensorsFile.Read(stream);
        double[] input = file["input"].ToDoubleArray();
        double[] target = file["target"].ToDoubleArray();
        double[] losses = file["loss"].ToDoubleArray();
        int n = losses.Length;
        int inputLength = input.Length / n;
        int targetLength = target.Length / n;
        Tolerance tolerance = model.IsDouble ? Tolerance.Float64 : Tolerance.Float32;

        model.ZeroGradients();
        var actualLosses = new double[n];
        for (int i = 0; i < n; i++)
        {
            actualLosses[i] = model.Accumulate(input[(i * inputLength)..((i + 1) * inputLength)], target[(i * targetLength)..((i + 1) * targetLength)]);
        }

        double worstLoss = tolerance.AssertClose(losses, actualLosses, $"{name} losses");
        double[] gradients = model.GetGradients();
        double worst = 0;
        foreach (ParameterInfo parameter in model.Layout)
        {
            double[] expected = file["grad." + parameter.Name].ToDoubleArray();
            worst = Math.Max(worst, tolerance.AssertClose(expected, gradients.AsSpan(parameter.Offset, parameter.Length), $"{name} d/d {parameter.Name}"));
        }

        _log.WriteLine($"{name}: worst loss error {worstLoss:E3}, worst gradient error {worst:E3}");
    }

    /// <summary>
    /// Central differences, step 1e-6, on every parameter: truncation error ~1e-12 and rounding
    /// ~1e-10 for losses of order 1, so agreement to 1e-6 relative or 1e-8 absolute is a real check.
    /// </summary>
    [Theory]
    [MemberData(nameof(Float64TrainableModels))]
    public void Gradients_match_central_finite_differences(string name)
    {
        ModelHandle model = ModelHandle.Create(name, seed: 11);
        bool dropout = model.Type.GetMethod("SeedDropout") is not null;
        double[] input = Inputs(model, 1);
        double[] target = Targets(model, 2);
        double[] theta = model.GetParameters();

        double Loss(double[] parameters)
        {
            model.SetParameters(parameters);
            model.ParametersChanged();
            if (dropout)
            {
                model.SeedDropout(5);
            }

            model.ZeroGradients();
            return model.Accumulate(input, target);
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
            Assert.True(error <= 1e-8 || error <= 1e-6 * Math.Abs(numeric), $"{name} parameter {i} ({Owner(model, i)}): analytic {analytic[i]:R}, numeric {numeric:R}");
            worst = Math.Max(worst, error);
        }

        _log.WriteLine($"{name}: worst |analytic - numeric| {worst:E3} over {theta.Length} parameters");
    }

    internal static double[] Inputs(ModelHandle model, int seed)
    {
        var random = new InitRandom(seed);
        var values = new double[model.InputPerSequence];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = model.IsTokens ? (int)(random.NextDouble() * model.Constant("VocabSize")) : (2 * random.NextDouble()) - 1;
        }

        return values;
    }

    internal static double[] Targets(ModelHandle model, int seed)
    {
        var random = new InitRandom(seed);
        // One-to-many trains over its window of SequenceLength steps; OutputLength is what Predict generates.
        int steps = ModelHandle.HasMethod(model.Type, "Generate") ? model.SequenceLength : model.OutputLength;
        int length = model.HasClassTargets ? steps : steps * model.OutputSize;
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = model.HasClassTargets ? (int)(random.NextDouble() * model.OutputSize) : random.NextDouble();
        }

        return values;
    }

    private static string Owner(ModelHandle model, int index) =>
        model.Layout.First(p => index >= p.Offset && index < p.Offset + p.Length).Name;
}
