using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace RnnGen;

/// <summary>One tensor read from a safetensors file: its name, element type, shape and raw little-endian data.</summary>
public sealed class SafetensorsTensor
{
    private readonly byte[] _data;

    internal SafetensorsTensor(string name, SafetensorsDType dtype, int[] shape, byte[] data)
    {
        Name = name;
        DType = dtype;
        Shape = new ReadOnlyCollection<int>(shape);
        _data = data;
        ElementCount = data.Length / SafetensorsDTypes.Size(dtype);
    }

    /// <summary>The tensor's name in the file.</summary>
    public string Name { get; }

    /// <summary>The element type stored in the file.</summary>
    public SafetensorsDType DType { get; }

    /// <summary>The shape, outermost dimension first (read-only; empty for a scalar).</summary>
    public IReadOnlyList<int> Shape { get; }

    internal int ElementCount { get; }

    /// <summary>Converts the elements to double; every supported dtype converts exactly.</summary>
    /// <returns>A new array in row-major order.</returns>
    public double[] ToDoubleArray()
    {
        var values = new double[ElementCount];
        CopyTo(values);
        return values;
    }

    /// <summary>Converts the elements to float: F16, BF16 and F32 exactly, F64 rounded to nearest (a magnitude beyond
    /// <see cref="float.MaxValue"/> becomes infinity).</summary>
    /// <returns>A new array in row-major order.</returns>
    public float[] ToSingleArray()
    {
        var values = new float[ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ReadSingle(i);
        }

        return values;
    }

    /// <summary>Converts into <paramref name="destination"/> (exactly <see cref="ElementCount"/> long) and refuses a
    /// finite F64 value that float cannot hold, rather than loading an infinity the file never had.</summary>
    internal void CopyTo(Span<float> destination) => SafetensorsConversion.Copy(_data, DType, destination, Name, 0);

    internal void CopyTo(Span<double> destination) => SafetensorsConversion.Copy(_data, DType, destination);

    private float ReadSingle(int index) => SafetensorsConversion.ToSingle(_data, DType, index);
}
