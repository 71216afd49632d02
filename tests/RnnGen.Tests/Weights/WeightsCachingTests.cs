using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generators;
using RnnGen.Generators.Weights;
using RnnGen.Tests.Infrastructure;
using Xunit;
using static RnnGen.Tests.Weights.WeightsHarness;

namespace RnnGen.Tests.Weights;

/// <summary>
/// Compiled-in weights keep the pipeline incremental (STYLE.md): an unrelated edit re-runs nothing, a new weights
/// file re-emits only the spec that names it, and a sidecar no spec names is never read.
/// </summary>
public sealed class WeightsCachingTests
{
    private const string OtherSpecPath = "/p/models/other.rnn.yaml";

    private const string OtherSpec = """
        model: Other
        input: 2
        sequence: 2
        layers:
          - cell: gru
            hidden: 2
        output:
          mode: many-to-many
        """;

    private static readonly string[] WeightsSteps = [TrackingNames.WeightsRequests, TrackingNames.WeightsFiles, TrackingNames.Weights, TrackingNames.EmitRequests];

    [Fact]
    public void Unrelated_csharp_edit_leaves_the_weights_steps_cached()
    {
        (GeneratorDriver driver, CSharpCompilation compilation, _) = Start(File(TinyTensors()));

        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class Second { }", GeneratorHarness.ParseOptions()));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in WeightsSteps)
        {
            AssertAll(result.TrackedSteps[step], step, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        }

        AssertAll(result.TrackedOutputSteps.SelectMany(s => s.Value), "source outputs", IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void New_weights_reemit_only_the_spec_that_names_them()
    {
        (GeneratorDriver driver, CSharpCompilation compilation, AdditionalText sidecar) = Start(File(TinyTensors()));

        List<TensorBytes> retrained = TinyTensors();
        retrained[5] = retrained[5] with { Data = Encode([0.75], "F32") };
        var replaced = new InMemoryAdditionalText(SidecarPath, Sidecar(File(retrained)));
        GeneratorRunResult result = driver.ReplaceAdditionalText(sidecar, replaced).RunGenerators(compilation).GetRunResult().Results.Single();

        IncrementalStepRunReason[] requests = result.TrackedSteps[TrackingNames.EmitRequests].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Single(requests, IncrementalStepRunReason.Modified);
        Assert.Single(requests, r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void A_sidecar_no_spec_names_is_never_read()
    {
        var unnamed = new CountingText("/p/obj/rnngen/unused-1.rnnweights", Sidecar(File(TinyTensors())));
        var options = new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [unnamed.Path] = new Dictionary<string, string> { [WeightsSidecar.SourceMetadata] = "/p/models/unused.safetensors" },
        };
        GeneratorDriver driver = GeneratorHarness.CreateDriver([new InMemoryAdditionalText(OtherSpecPath, OtherSpec), unnamed], fileOptions: options);

        driver = driver.RunGenerators(GeneratorHarness.CreateCompilation());

        Assert.Single(driver.GetRunResult().GeneratedTrees);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        Assert.Equal(0, unnamed.Reads);
    }

    [Fact]
    public void Weights_pipeline_records_hold_no_roslyn_objects_or_plain_arrays()
    {
        Type[] records = [typeof(WeightsRequest), typeof(WeightsFileData), typeof(WeightsResult), typeof(CompiledWeights), typeof(CompiledTensor), typeof(SpecWeights)];
        Type[] forbidden = [typeof(Compilation), typeof(ISymbol), typeof(SyntaxNode), typeof(Location), typeof(SemanticModel), typeof(SyntaxTree), typeof(AdditionalText)];

        string[] problems = records
            .SelectMany(r => r.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Select(f => (Record: r, Field: f)))
            .Where(x => x.Field.FieldType.IsArray || forbidden.Any(f => f.IsAssignableFrom(x.Field.FieldType)))
            .Select(x => $"{x.Record.Name}.{x.Field.Name}")
            .ToArray();

        Assert.Empty(problems);
    }

    private static (GeneratorDriver Driver, CSharpCompilation Compilation, AdditionalText Sidecar) Start(byte[] file)
    {
        var sidecar = new InMemoryAdditionalText(SidecarPath, Sidecar(file));
        var options = new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [SidecarPath] = new Dictionary<string, string> { [WeightsSidecar.SourceMetadata] = WeightsPath },
        };
        GeneratorDriver driver = GeneratorHarness.CreateDriver(
            [new InMemoryAdditionalText(SpecPath, TinySpec()), new InMemoryAdditionalText(OtherSpecPath, OtherSpec), sidecar],
            fileOptions: options);
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation("public class First { }");
        driver = driver.RunGenerators(compilation);
        Assert.Equal(2, driver.GetRunResult().GeneratedTrees.Length);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        return (driver, compilation, sidecar);
    }

    private static void AssertAll(IEnumerable<IncrementalGeneratorRunStep> steps, string name, params IncrementalStepRunReason[] allowed)
    {
        foreach (IncrementalGeneratorRunStep step in steps)
        {
            foreach ((object _, IncrementalStepRunReason reason) in step.Outputs)
            {
                Assert.True(allowed.Contains(reason), $"{name}: an output was {reason}");
            }
        }
    }

    /// <summary>An additional file that counts how often its text is read.</summary>
    private sealed class CountingText(string path, string text) : AdditionalText
    {
        private readonly SourceText _text = SourceText.From(text);

        public int Reads { get; private set; }

        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default)
        {
            Reads++;
            return _text;
        }
    }
}
