using System;
using System.IO;
using System.Linq;
using RnnGen.Tests.Models;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Numerics;

/// <summary>
/// Forward parity with PyTorch: each fixture's weights are loaded into the generated class and its
/// outputs compared with the mirror's float64 outputs (tests/RnnGen.Tests/Fixtures/make_fixtures.py).
/// </summary>
public sealed class ParityTests
{
    private readonly ITestOutputHelper _log;

    public ParityTests(ITestOutputHelper log) => _log = log;

    public static TheoryData<string> Float32Models => new()
    {
        "RnnManyToOneLinear", "LstmManyToManyNone", "GruBidiManyToOneSigmoid", "StackedMixedManyToManySoftmax",
        "LstmBidiManyToOneNone", "StackedRnnGruManyToManyLinear", "JumpDetector",
    };

    public static TheoryData<string> Float64Models => new()
    {
        "RnnBidiManyToManyLinear64", "LstmManyToOneSoftmax64", "GruManyToManySigmoid64", "StackedThreeManyToOneLinear64", "StockForecaster",
    };

    public static TheoryData<string> StepModels => new()
    {
        "RnnManyToOneLinear", "LstmManyToManyNone", "StackedRnnGruManyToManyLinear", "JumpDetector",
        "LstmManyToOneSoftmax64", "GruManyToManySigmoid64", "StockForecaster",
    };

    [Theory]
    [MemberData(nameof(Float32Models))]
    public void Float32_predict_matches_pytorch(string name) => AssertPredictMatches<float>(name);

    [Theory]
    [MemberData(nameof(Float64Models))]
    public void Float64_predict_matches_pytorch(string name) => AssertPredictMatches<double>(name);

    [Theory]
    [MemberData(nameof(StepModels))]
    public void Steps_reproduce_predict(string name)
    {
        if (ModelFactory.Create(name) is IStepTestModel<float> single)
        {
            AssertStepsMatch(name, single);
        }
        else
        {
            AssertStepsMatch(name, (IStepTestModel<double>)ModelFactory.Create(name));
        }
    }

    [Theory]
    [MemberData(nameof(Float32Models))]
    [MemberData(nameof(Float64Models))]
    public void Mirror_weights_load_exactly_and_save_round_trips(string name)
    {
        Fixture fixture = Fixture.Load(name);
        object model = ModelFactory.Create(name);
        using FileStream weights = File.OpenRead(fixture.WeightsPath);
        SafetensorsFile file = SafetensorsFile.Read(weights);
        var layout = (System.Collections.Generic.IReadOnlyList<ParameterInfo>)model.GetType().GetProperty("ParameterLayout")!.GetValue(null)!;
        Assert.Equal(file.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal), layout.Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));

        double[] loaded = LoadAndRead(model, fixture.WeightsPath, out double[] saved);
        foreach (ParameterInfo parameter in layout)
        {
            SafetensorsTensor tensor = file[parameter.Name];
            Assert.Equal(tensor.Shape, parameter.Shape);
            Assert.Equal(tensor.ToDoubleArray(), loaded.AsSpan(parameter.Offset, parameter.Length).ToArray());
        }

        Assert.Equal(loaded, saved);
    }

    private static double[] LoadAndRead(object model, string path, out double[] saved)
    {
        using var output = new MemoryStream();
        double[] loaded;
        if (model is ITestModel<float> single)
        {
            using (FileStream input = File.OpenRead(path))
            {
                single.LoadSafetensors(input);
            }

            loaded = Fixture.ToDoubles<float>(single.Parameters);
            single.SaveSafetensors(output);
            output.Position = 0;
            var reloaded = (ITestModel<float>)ModelFactory.Create(model.GetType().Name);
            reloaded.LoadSafetensors(output);
            saved = Fixture.ToDoubles<float>(reloaded.Parameters);
        }
        else
        {
            var dual = (ITestModel<double>)model;
            using (FileStream input = File.OpenRead(path))
            {
                dual.LoadSafetensors(input);
            }

            loaded = dual.Parameters.ToArray();
            dual.SaveSafetensors(output);
            output.Position = 0;
            var reloaded = (ITestModel<double>)ModelFactory.Create(model.GetType().Name);
            reloaded.LoadSafetensors(output);
            saved = reloaded.Parameters.ToArray();
        }

        return loaded;
    }

    private void AssertPredictMatches<T>(string name)
        where T : unmanaged
    {
        Fixture fixture = Fixture.Load(name);
        var model = (ITestModel<T>)ModelFactory.Create(name);
        using (FileStream weights = File.OpenRead(fixture.WeightsPath))
        {
            model.LoadSafetensors(weights);
        }

        double worst = 0;
        var output = new T[fixture.OutputPerSequence];
        for (int n = 0; n < fixture.Batch; n++)
        {
            model.Predict(fixture.InputOf<T>(n), output);
            worst = Math.Max(worst, Tolerance.For<T>().AssertClose(fixture.OutputOf(n), Fixture.ToDoubles<T>(output), $"{name} sequence {n}"));
        }

        _log.WriteLine($"{name}: worst absolute error {worst:E3}");
    }

    private void AssertStepsMatch<T>(string name, IStepTestModel<T> model)
        where T : unmanaged
    {
        Fixture fixture = Fixture.Load(name);
        using (FileStream weights = File.OpenRead(fixture.WeightsPath))
        {
            model.LoadSafetensors(weights);
        }

        var predicted = new T[fixture.OutputPerSequence];
        var stepped = new T[fixture.Steps * fixture.OutputSize];
        for (int n = 0; n < fixture.Batch; n++)
        {
            T[] input = fixture.InputOf<T>(n);
            model.Predict(input, predicted);
            model.RunSteps(input, stepped);

            // Many-to-many: every step's output; many-to-one: the last step's, as if the sequence ended there.
            ReadOnlySpan<T> comparable = fixture.OutputLength == 1
                ? stepped.AsSpan((fixture.Steps - 1) * fixture.OutputSize)
                : stepped;
            Tolerance.For<T>().AssertClose(fixture.OutputOf(n), Fixture.ToDoubles(comparable), $"{name} steps, sequence {n}");
            Tolerance.For<T>().AssertClose(Fixture.ToDoubles<T>(predicted), Fixture.ToDoubles(comparable), $"{name} steps vs predict, sequence {n}");
        }
    }
}
