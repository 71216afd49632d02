using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>The runtime library against an independent writer: the fixtures made by the Python mirror
/// (src/python/rnngen_torch.py, docs/fixtures.md) load and save back to the very same bytes.</summary>
public class SafetensorsInteropTests
{
    public static IEnumerable<object[]> FixtureFiles() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures"), "*.safetensors")
            .Order(StringComparer.Ordinal)
            .Select(path => new object[] { Path.GetFileName(path) });

    [Fact]
    public void There_are_fixtures_to_check() => Assert.NotEmpty(FixtureFiles());

    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void Python_files_round_trip_to_identical_bytes(string fileName)
    {
        byte[] original = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", fileName));
        SafetensorsFile file = SafetensorsFile.Read(new MemoryStream(original));
        var layout = new List<ParameterInfo>();
        int offset = 0;
        foreach (SafetensorsTensor tensor in file.Tensors)
        {
            var parameter = new ParameterInfo(tensor.Name, offset, [.. tensor.Shape]);
            layout.Add(parameter);
            offset += parameter.Length;
        }

        var saved = new MemoryStream();
        SafetensorsDType dtype = file.Tensors[0].DType;
        Assert.All(file.Tensors, t => Assert.Equal(dtype, t.DType));
        if (dtype == SafetensorsDType.F32)
        {
            var parameters = new float[offset];
            Safetensors.Load(new ForwardOnlyStream(original), layout, parameters);
            Safetensors.Save(saved, layout, parameters, file.Metadata["model"]);
        }
        else
        {
            var parameters = new double[offset];
            Safetensors.Load(new ForwardOnlyStream(original), layout, parameters);
            Safetensors.Save(saved, layout, parameters, file.Metadata["model"]);
        }

        Assert.Equal(original, saved.ToArray());
    }
}
