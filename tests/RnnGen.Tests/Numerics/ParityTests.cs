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
/// Every fixture in Fixtures/ is covered, so a new fixture is tested without touching this file.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class ParityTests
{
    private readonly ITestOutputHelper _log;

    public ParityTests(ITestOutputHelper log) => _log = log;

    public static TheoryData<string> AllFixtures => new(Fixture.All);

    [Fact]
    public void Every_generated_model_has_a_fixture_and_every_fixture_a_model()
    {
        // Specs under Specs/ (namespace RnnGen.Tests.Training) and Weights/ (RnnGen.Tests.Weights, compiled-in weights)
        // exist for behaviour tests and have no PyTorch fixture.
        string[] models = ModelHandle.ModelTypes.Where(t => t.Namespace is not ("RnnGen.Tests.Training" or "RnnGen.Tests.Weights")).Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(models, Fixture.All.ToArray());
    }

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Predict_matches_pytorch(string name)
    {
        Fixture fixture = Fixture.Load(name);
        ModelHandle model = ModelHandle.Create(name);
        model.Load(fixture.WeightsPath);
        Tolerance tolerance = model.IsDouble ? Tolerance.Float64 : Tolerance.Float32;

        double worst = 0;
        for (int n = 0; n < fixture.Batch; n++)
        {
            double[] output = model.Predict(fixture.InputOf(n));
            worst = Math.Max(worst, tolerance.AssertClose(fixture.OutputOf(n), output, $"{name} sequence {n}"));
        }

        _log.WriteLine($"{name} ({(model.IsDouble ? "float64" : "float32")}): worst absolute error {worst:E3}");
    }

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Steps_reproduce_predict(string name)
    {
        ModelHandle model = ModelHandle.Create(name);
        if (!model.HasStep)
        {
            // DESIGN.md: State and Step exist for unidirectional models only.
            Assert.Contains(model.Layout, p => p.Name.EndsWith("_reverse", StringComparison.Ordinal));
            return;
        }

        Fixture fixture = Fixture.Load(name);
        model.Load(fixture.WeightsPath);
        Tolerance tolerance = model.IsDouble ? Tolerance.Float64 : Tolerance.Float32;
        for (int n = 0; n < fixture.Batch; n++)
        {
            double[] predicted = model.Predict(fixture.InputOf(n));
            double[] stepped = model.RunSteps(fixture.InputOf(n));

            if (ModelHandle.HasMethod(model.Type, "Generate"))
            {
                // One-to-many: the prime's last step is the first generated row.
                tolerance.AssertClose(predicted[..fixture.OutputSize], stepped[^fixture.OutputSize..], $"{name} steps vs the first generated row, sequence {n}");
                continue;
            }

            // Many-to-many: every step's output; many-to-one: the last step's, as if the sequence ended there.
            double[] comparable = fixture.OutputLength == 1 ? stepped[^fixture.OutputSize..] : stepped;
            tolerance.AssertClose(fixture.OutputOf(n), comparable, $"{name} steps, sequence {n}");
            tolerance.AssertClose(predicted, comparable, $"{name} steps vs predict, sequence {n}");
        }
    }

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Mirror_weights_load_exactly_and_save_round_trips(string name)
    {
        Fixture fixture = Fixture.Load(name);
        ModelHandle model = ModelHandle.Create(name);
        using FileStream weights = File.OpenRead(fixture.WeightsPath);
        SafetensorsFile file = SafetensorsFile.Read(weights);

        // Same names as the mirror's state_dict, in the same order, with the same shapes.
        Assert.Equal(file.Tensors.Select(t => t.Name), model.Layout.Select(p => p.Name));
        Assert.Equal(model.ParameterCount, model.Layout.Sum(p => p.Length));

        model.Load(fixture.WeightsPath);
        double[] loaded = model.GetParameters();
        foreach (ParameterInfo parameter in model.Layout)
        {
            SafetensorsTensor tensor = file[parameter.Name];
            Assert.Equal(tensor.Shape, parameter.Shape);
            Assert.Equal(tensor.ToDoubleArray(), loaded.AsSpan(parameter.Offset, parameter.Length).ToArray());
        }

        // What the class saves is what the mirror wrote, byte for byte.
        Assert.Equal(File.ReadAllBytes(fixture.WeightsPath), model.Save());
    }
}
