using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generators;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generation;

/// <summary>
/// The pipeline caches as STYLE.md requires: an unrelated C# edit re-runs nothing, and editing one
/// spec re-emits that spec only. Assertions use the driver's own step tracking.
/// </summary>
public sealed class IncrementalCachingTests
{
    private const string SpecA = """
        model: CachedA
        input: 2
        sequence: 3
        layers:
          - cell: lstm
            hidden: 3
        output:
          mode: many-to-one
          head: linear
          size: 1
        """;

    private const string SpecB = """
        model: CachedB
        input: 2
        sequence: 2
        layers:
          - cell: gru
            hidden: 2
        output:
          mode: many-to-many
        """;

    private static readonly string[] PipelineSteps =
    {
        TrackingNames.Parse, TrackingNames.Models, TrackingNames.RootNamespace, TrackingNames.LanguageVersion,
        TrackingNames.DuplicateNames, TrackingNames.EmitRequests,
    };

    [Fact]
    public void Unrelated_csharp_edit_leaves_every_step_cached()
    {
        var specs = new AdditionalText[] { new InMemoryAdditionalText("/p/a.rnn.yaml", SpecA), new InMemoryAdditionalText("/p/b.rnn.yaml", SpecB) };
        GeneratorDriver driver = GeneratorHarness.CreateDriver(specs);
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation("public class First { }");
        driver = driver.RunGenerators(compilation);
        Assert.Equal(2, driver.GetRunResult().GeneratedTrees.Length);

        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class Second { }", GeneratorHarness.ParseOptions()));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in PipelineSteps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            AssertAllCached(result.TrackedSteps[step], step);
        }

        AssertAllCached(result.TrackedOutputSteps.SelectMany(s => s.Value), "source outputs");
    }

    [Fact]
    public void Editing_one_spec_reemits_only_that_spec()
    {
        var a = new InMemoryAdditionalText("/p/a.rnn.yaml", SpecA);
        var b = new InMemoryAdditionalText("/p/b.rnn.yaml", SpecB);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(new AdditionalText[] { a, b });
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation();
        driver = driver.RunGenerators(compilation);

        var editedA = new InMemoryAdditionalText("/p/a.rnn.yaml", SpecA.Replace("hidden: 3", "hidden: 4", StringComparison.Ordinal));
        GeneratorRunResult result = driver.ReplaceAdditionalText(a, editedA).RunGenerators(compilation).GetRunResult().Results.Single();

        IncrementalStepRunReason[] requests = result.TrackedSteps[TrackingNames.EmitRequests]
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Single(requests, IncrementalStepRunReason.Modified);
        Assert.Single(requests, r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);

        // The duplicate-name check sees every spec, but its result did not change.
        AssertAllCached(result.TrackedSteps[TrackingNames.DuplicateNames], TrackingNames.DuplicateNames);

        string sourceA = result.GeneratedSources.Single(s => s.HintName.Contains("CachedA", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("hidden 4", sourceA, StringComparison.Ordinal);
    }

    [Fact]
    public void Moving_a_diagnostic_does_not_reemit_source()
    {
        // unroll: full over the JIT budget is answered with a warning (RNN0017) and the class keeps its loops.
        string spec = SpecA.Replace("hidden: 3", "hidden: 64", StringComparison.Ordinal);
        var a = new InMemoryAdditionalText("/p/a.rnn.yaml", spec + "\nunroll: full\n");
        GeneratorDriver driver = GeneratorHarness.CreateDriver(new AdditionalText[] { a });
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation();
        driver = driver.RunGenerators(compilation);
        Assert.Contains(driver.GetRunResult().Diagnostics, d => d.Id == "RNN0017");

        // Spaces shift the diagnostic to another column; the model itself is unchanged. (A shifted
        // line would re-emit: generated comments quote spec line numbers.)
        var moved = new InMemoryAdditionalText("/p/a.rnn.yaml", spec + "\nunroll:     full\n");
        GeneratorRunResult result = driver.ReplaceAdditionalText(a, moved).RunGenerators(compilation).GetRunResult().Results.Single();

        AssertAllCached(result.TrackedSteps[TrackingNames.EmitRequests], TrackingNames.EmitRequests);
    }

    [Fact]
    public void Pipeline_models_hold_no_roslyn_objects_or_plain_arrays()
    {
        Type[] forbidden = { typeof(Compilation), typeof(ISymbol), typeof(SyntaxNode), typeof(Location), typeof(SemanticModel), typeof(SyntaxTree) };
        Assembly generator = typeof(RnnGenerator).Assembly;
        Type[] models = generator.GetTypes()
            .Where(t => t.Namespace is "RnnGen.Generators" or "RnnGen.Generators.Spec" or "RnnGen.Generators.Diagnostics" && t.GetMethod("<Clone>$") is not null)
            .ToArray();
        Assert.Contains(models, t => t.Name == "ModelSpec");
        Assert.Contains(models, t => t.Name == "EmitRequest");

        var problems = new List<string>();
        foreach (Type model in models)
        {
            foreach (FieldInfo field in model.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                Type type = field.FieldType;
                if (type.IsArray || forbidden.Any(f => f.IsAssignableFrom(type)))
                {
                    problems.Add($"{model.Name}.{field.Name}: {type.Name}");
                }
            }
        }

        Assert.Empty(problems);
    }

    private static void AssertAllCached(IEnumerable<IncrementalGeneratorRunStep> steps, string name)
    {
        foreach (IncrementalGeneratorRunStep step in steps)
        {
            foreach ((object _, IncrementalStepRunReason reason) in step.Outputs)
            {
                Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name}: an output was {reason}");
            }
        }
    }
}
