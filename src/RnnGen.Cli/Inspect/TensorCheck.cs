using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Cli.Inspect;

/// <summary>How one tensor of a file compares with a spec's parameter layout.</summary>
internal enum TensorStatus
{
    /// <summary>No spec was given.</summary>
    Unchecked,

    /// <summary>The spec has this tensor with this shape.</summary>
    Ok,

    /// <summary>The spec has this tensor with another shape.</summary>
    WrongShape,

    /// <summary>The spec has no tensor of this name: loading the file would fail.</summary>
    Unknown,

    /// <summary>The spec has this tensor, the file does not.</summary>
    Missing,
}

/// <summary>One row of the report: a tensor of the file, or a parameter of the spec the file lacks.</summary>
/// <param name="DType">The file's dtype name; null for a missing tensor.</param>
/// <param name="Shape">The file's shape; null for a missing tensor.</param>
/// <param name="Bytes">The tensor's bytes in the file; null for a missing tensor.</param>
/// <param name="Expected">The spec's shape, when the spec has the tensor.</param>
internal sealed record TensorRow(string Name, string? DType, IReadOnlyList<int>? Shape, long? Bytes, TensorStatus Status, IReadOnlyList<int>? Expected);

/// <summary>A parameter as the spec's layout defines it: its PyTorch name and shape.</summary>
internal sealed record ExpectedTensor(string Name, IReadOnlyList<int> Shape);

/// <summary>Compares the tensors of a safetensors file with a spec's parameters, as the generated class's strict loader does.</summary>
internal static class TensorCheck
{
    /// <summary>The rows of the report: the file's tensors in file order, then the spec's parameters missing from it in layout order.</summary>
    public static IReadOnlyList<TensorRow> Compare(SafetensorsFile file, IReadOnlyList<ExpectedTensor>? layout)
    {
        var rows = new List<TensorRow>(file.Tensors.Count);
        Dictionary<string, ExpectedTensor>? expected = layout?.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (SafetensorsTensor tensor in file.Tensors)
        {
            ExpectedTensor? parameter = null;
            TensorStatus status = expected is null ? TensorStatus.Unchecked
                : !expected.TryGetValue(tensor.Name, out parameter) ? TensorStatus.Unknown
                : parameter.Shape.SequenceEqual(tensor.Shape) ? TensorStatus.Ok
                : TensorStatus.WrongShape;
            rows.Add(new TensorRow(tensor.Name, SafetensorsDTypes.Name(tensor.DType), tensor.Shape, ByteLength(tensor), status, parameter?.Shape));
        }

        foreach (ExpectedTensor parameter in layout ?? Array.Empty<ExpectedTensor>())
        {
            if (!file.TryGetTensor(parameter.Name, out _))
            {
                rows.Add(new TensorRow(parameter.Name, null, null, null, TensorStatus.Missing, parameter.Shape));
            }
        }

        return rows;
    }

    private static long ByteLength(SafetensorsTensor tensor) =>
        tensor.Shape.Aggregate((long)SafetensorsDTypes.Size(tensor.DType), (bytes, dimension) => bytes * dimension);
}
