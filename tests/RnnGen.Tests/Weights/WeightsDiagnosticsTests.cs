using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Runtime;
using Xunit;
using static RnnGen.Tests.Weights.WeightsHarness;

namespace RnnGen.Tests.Weights;

/// <summary>
/// Every way a spec's weights file can fail to fit its model is a located error (0-based line and column of the
/// <c>weights</c> value, line 11 column 9 in <see cref="WeightsHarness.TinySpec"/>) whose message names the tensor
/// and the fix; the class is then generated without the weights, so user code still compiles.
/// </summary>
public sealed class WeightsDiagnosticsTests
{
    private const int Line = 11;
    private const int Column = 9;

    [Fact]
    public void A_file_that_fits_compiles_in_without_diagnostics()
    {
        GeneratorRun run = Run(TinySpec(), Sidecar(File(TinyTensors())));

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationDiagnostics);
        string source = Assert.Single(run.Sources).Source;
        Assert.Contains("private void LoadCompiledWeights()", source, StringComparison.Ordinal);
        Assert.Contains("private static string CompiledLayer0WeightIh => // layers.0.weight_ih_l0 [3, 2] F32, 24 bytes", source, StringComparison.Ordinal);
        Assert.DoesNotContain("private void Initialize(int seed)", source, StringComparison.Ordinal);
        Assert.DoesNotContain("/p/", source, StringComparison.Ordinal);
    }

    [Fact]
    public void RNN0018_no_sidecar_for_the_named_file()
    {
        GeneratorRun run = Run(TinySpec(weights: "trained/tiny.safetensors"), Sidecar(File(TinyTensors())));

        Single(run, "RNN0018", Line, Column, "'trained/tiny.safetensors' is not an input of this build", "/p/models/trained/tiny.safetensors", "<RnnGenWeights Include=");
        AssertGeneratedWithoutWeights(run);
    }

    [Fact]
    public void RNN0018_without_any_sidecar()
    {
        GeneratorRun run = Run(TinySpec(), sidecar: null);

        Single(run, "RNN0018", Line, Column, "'tiny.safetensors'");
        AssertGeneratedWithoutWeights(run);
    }

    [Fact]
    public void A_path_with_dot_dot_and_backslashes_in_the_metadata_finds_its_sidecar()
    {
        GeneratorRun run = Run(TinySpec(weights: "../models/./tiny.safetensors"), Sidecar(File(TinyTensors())), source: "\\p\\models\\tiny.safetensors");

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains("LoadCompiledWeights", Assert.Single(run.Sources).Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated", "the file is truncated: tensor 'head.bias' ends at byte")]
    [InlineData("no header", "too short for the 8-byte header length")]
    [InlineData("bad json", "the header is not valid JSON")]
    [InlineData("bad sidecar", "its sidecar does not hold the file; rebuild")]
    [InlineData("foreign sidecar", "its sidecar is not one RnnGen wrote")]
    public void RNN0019_a_file_that_is_not_valid_safetensors(string problem, string message)
    {
        byte[] file = File(TinyTensors());
        string sidecar = problem switch
        {
            "truncated" => Sidecar(file[..^2]),
            "no header" => Sidecar(file[..5]),
            "bad json" => Sidecar(SafetensorsBytes.File("{\"a\":", Array.Empty<byte>())),
            "bad sidecar" => Sidecar(file.Length + 1, file),
            _ => "weights\n" + Convert.ToBase64String(file),
        };

        GeneratorRun run = Run(TinySpec(), sidecar);

        Single(run, "RNN0019", Line, Column, "The weights file 'tiny.safetensors' is not a valid safetensors file", message);
        AssertGeneratedWithoutWeights(run);
    }

    [Fact]
    public void RNN0020_a_missing_tensor_is_named_with_its_shape()
    {
        GeneratorRun run = Run(TinySpec(), Sidecar(File(TinyTensors().Where(t => t.Name != "layers.0.bias_hh_l0"))));

        Single(run, "RNN0020", Line, Column, "has no tensor 'layers.0.bias_hh_l0' [3], a parameter of this model");
        AssertGeneratedWithoutWeights(run);
    }

    [Fact]
    public void RNN0021_an_unknown_tensor_is_named()
    {
        List<TensorBytes> tensors = TinyTensors();
        tensors.Add(new TensorBytes("layers.1.weight_ih_l0", "F32", [3, 3], new byte[36]));

        GeneratorRun run = Run(TinySpec(), Sidecar(File(tensors)));

        Single(run, "RNN0021", Line, Column, "has tensor 'layers.1.weight_ih_l0' [3, 3], which is not a parameter of this model");
        AssertGeneratedWithoutWeights(run);
    }

    [Fact]
    public void RNN0022_a_wrong_shape_names_both_shapes()
    {
        List<TensorBytes> tensors = TinyTensors();
        tensors[0] = tensors[0] with { Shape = [2, 3] };

        GeneratorRun run = Run(TinySpec(), Sidecar(File(tensors)));

        Single(run, "RNN0022", Line, Column, "Tensor 'layers.0.weight_ih_l0' has shape [2, 3]", "this model needs [3, 2]");
        AssertGeneratedWithoutWeights(run);
    }

    [Fact]
    public void RNN0023_an_unsupported_dtype_names_the_conversion()
    {
        List<TensorBytes> tensors = TinyTensors();
        tensors[5] = tensors[5] with { DType = "I32" };

        GeneratorRun run = Run(TinySpec(), Sidecar(File(tensors)));

        Single(run, "RNN0023", Line, Column, "Tensor 'head.bias'", "has dtype 'I32'", "tensor.float()");
        AssertGeneratedWithoutWeights(run);
    }

    [Fact]
    public void RNN0024_a_file_over_the_cap_is_refused_without_reading_it()
    {
        // The build step writes no data for a file over the cap, only its length.
        GeneratorRun run = Run(TinySpec(), Sidecar(5_000_000, bytes: null));

        Single(run, "RNN0024", Line, Column, "is 5,000,000 bytes, over the 4,194,304 bytes", "LoadSafetensors");
        AssertGeneratedWithoutWeights(run);
    }

    [Fact]
    public void RNN0025_an_F64_value_beyond_float32_in_a_float32_model()
    {
        List<TensorBytes> tensors = TinyTensors("F64");
        tensors[4] = tensors[4] with { Data = SafetensorsBytes.Doubles(0.5, 1e300, -0.5) };

        GeneratorRun run = Run(TinySpec(), Sidecar(File(tensors)));

        Single(run, "RNN0025", Line, Column, "Tensor 'head.weight'", "holds 1E+300 at element 1", "precision: float64");
        AssertGeneratedWithoutWeights(run);

        // The same file fits a float64 model.
        GeneratorRun wide = Run(TinySpec("float64"), Sidecar(File(tensors)));
        Assert.Empty(wide.GeneratorDiagnostics);
        Assert.Empty(wide.CompilationDiagnostics);
    }

    [Fact]
    public void Every_problem_of_one_file_is_reported()
    {
        List<TensorBytes> tensors = TinyTensors();
        tensors.RemoveAt(0);
        tensors[0] = tensors[0] with { Shape = [9] , Data = new byte[36] };
        tensors.Add(new TensorBytes("extra", "F32", [1], new byte[4]));

        GeneratorRun run = Run(TinySpec(), Sidecar(File(tensors)));

        Assert.Equal(new[] { "RNN0020", "RNN0021", "RNN0022" }, run.GeneratorDiagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));
    }

    private static void AssertGeneratedWithoutWeights(GeneratorRun run)
    {
        string source = Assert.Single(run.Sources).Source;
        Assert.DoesNotContain("CompiledWeights", source, StringComparison.Ordinal);
        Assert.Contains("private void Initialize(int seed)", source, StringComparison.Ordinal);
        Assert.Empty(run.CompilationDiagnostics);
    }
}
