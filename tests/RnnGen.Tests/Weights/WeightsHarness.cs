using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Runtime;
using Xunit;

namespace RnnGen.Tests.Weights;

/// <summary>One tensor of a hand-made safetensors file: name, dtype, shape and raw little-endian bytes.</summary>
internal sealed record TensorBytes(string Name, string DType, int[] Shape, byte[] Data);

/// <summary>
/// Runs the generator on one spec with a weights sidecar as the build step writes it (docs/weights.md): the
/// sidecar's text, and its item metadata RnnGenWeightsSource naming the weights file's full path.
/// </summary>
internal static class WeightsHarness
{
    public const string SpecPath = "/p/models/tiny.rnn.yaml";

    public const string WeightsPath = "/p/models/tiny.safetensors";

    public const string SidecarPath = "/p/obj/Debug/net10.0/rnngen/tiny-0000abcd.rnnweights";

    /// <summary>rnn(3) over 2 steps of 2 features, many-to-many, linear head of 1: six small tensors.</summary>
    public static string TinySpec(string precision = "float32", string weights = "tiny.safetensors") => $"""
        model: Tiny
        precision: {precision}
        input: 2
        sequence: 2
        layers:
          - cell: rnn
            hidden: 3
        output:
          mode: many-to-many
          head: linear
          size: 1
        weights: {weights}
        """;

    /// <summary>The tiny model's tensors, F32, with distinct values.</summary>
    public static List<TensorBytes> TinyTensors(string dtype = "F32")
    {
        var tensors = new List<TensorBytes>();
        int next = 1;
        foreach ((string name, int[] shape) in new (string, int[])[]
        {
            ("layers.0.weight_ih_l0", [3, 2]), ("layers.0.weight_hh_l0", [3, 3]), ("layers.0.bias_ih_l0", [3]),
            ("layers.0.bias_hh_l0", [3]), ("head.weight", [1, 3]), ("head.bias", [1]),
        })
        {
            int count = shape.Aggregate(1, (a, b) => a * b);
            double[] values = Enumerable.Range(next, count).Select(i => 0.05 * i * (i % 2 == 0 ? 1 : -1)).ToArray();
            next += count;
            tensors.Add(new TensorBytes(name, dtype, shape, Encode(values, dtype)));
        }

        return tensors;
    }

    public static byte[] Encode(double[] values, string dtype) => dtype switch
    {
        "F64" => SafetensorsBytes.Doubles(values),
        "F16" => SafetensorsBytes.Words(values.Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray()),
        "BF16" => SafetensorsBytes.Words(values.Select(v => (ushort)(BitConverter.SingleToUInt32Bits((float)v) >> 16)).ToArray()),
        _ => SafetensorsBytes.Singles(values.Select(v => (float)v).ToArray()),
    };

    /// <summary>A safetensors file of <paramref name="tensors"/>, in the order given, written by hand.</summary>
    public static byte[] File(IEnumerable<TensorBytes> tensors)
    {
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        var data = new List<byte[]>();
        foreach (TensorBytes tensor in tensors)
        {
            header.Append(CultureInfo.InvariantCulture, $",\"{tensor.Name}\":{{\"dtype\":\"{tensor.DType}\",\"shape\":[{string.Join(",", tensor.Shape)}],\"data_offsets\":[{offset},{offset + tensor.Data.Length}]}}");
            offset += tensor.Data.Length;
            data.Add(tensor.Data);
        }

        return SafetensorsBytes.File(header.Append('}').ToString(), SafetensorsBytes.Concat(data.ToArray()));
    }

    /// <summary>The sidecar RnnGen.targets writes for a file of this length (and these bytes, when within the cap).</summary>
    public static string Sidecar(long length, byte[]? bytes) =>
        $"rnngen-weights 1 {length.ToString(CultureInfo.InvariantCulture)}\n{(bytes is null ? string.Empty : Convert.ToBase64String(bytes))}\n";

    public static string Sidecar(byte[] file) => Sidecar(file.Length, file);

    /// <summary>Runs the generator over the spec and, unless null, a sidecar for <see cref="WeightsPath"/>; compiles the output with <paramref name="userCode"/>.</summary>
    public static GeneratorRun Run(string spec, string? sidecar, string userCode = "", string source = WeightsPath)
    {
        var files = new List<AdditionalText> { new InMemoryAdditionalText(SpecPath, spec) };
        var options = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        if (sidecar is not null)
        {
            files.Add(new InMemoryAdditionalText(SidecarPath, sidecar));
            options[SidecarPath] = new Dictionary<string, string> { ["build_metadata.AdditionalFiles.RnnGenWeightsSource"] = source };
        }

        GeneratorDriver driver = GeneratorHarness.CreateDriver(files, fileOptions: options);
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(userCode);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        var sources = driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToImmutableArray();
        ImmutableArray<Diagnostic> compileDiagnostics = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
        return new GeneratorRun(sources, diagnostics, compileDiagnostics, driver, (CSharpCompilation)output);
    }

    /// <summary>The one diagnostic of the run: its id, 0-based position, and words its message must hold.</summary>
    public static Diagnostic Single(GeneratorRun run, string id, int line, int column, params string[] words)
    {
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal(SpecPath, span.Path);
        Assert.Equal((line, column), (span.StartLinePosition.Line, span.StartLinePosition.Character));
        foreach (string word in words)
        {
            Assert.Contains(word, diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        return diagnostic;
    }

    /// <summary>Emits the run's compilation and loads it in a collectible context of its own.</summary>
    public static Assembly Load(GeneratorRun run)
    {
        Assert.Empty(run.CompilationDiagnostics);
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = run.OutputCompilation.Emit(image);
        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        image.Position = 0;
        return new AssemblyLoadContext("weights-" + Guid.NewGuid().ToString("N"), isCollectible: true).LoadFromStream(image);
    }
}
