using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;

namespace RnnGen;

/// <summary>
/// One tensor of a model's flat parameter vector: its PyTorch <c>state_dict</c> name, where it starts in the
/// model's <c>Parameters</c> span and its PyTorch shape (row-major, last dimension contiguous).
/// </summary>
public sealed class ParameterInfo
{
    /// <summary>Describes the tensor <paramref name="name"/> of shape <paramref name="shape"/> at <paramref name="offset"/>.</summary>
    /// <param name="name">The PyTorch <c>state_dict</c> name, e.g. <c>layers.0.weight_ih_l0</c>.</param>
    /// <param name="offset">The index of the tensor's first element in the model's flat parameter span.</param>
    /// <param name="shape">The dimensions (at least one, each at least 1); the array is copied.</param>
    /// <exception cref="ArgumentException">The name is empty, the shape has no dimension or a dimension below 1,
    /// or the tensor would end beyond <see cref="int.MaxValue"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    public ParameterInfo(string name, int offset, params int[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0)
        {
            throw new ArgumentException($"Parameter '{name}' needs at least one dimension.", nameof(shape));
        }

        var copy = (int[])shape.Clone();
        long length = 1;
        foreach (int dimension in copy)
        {
            if (dimension < 1)
            {
                throw new ArgumentException($"Parameter '{name}' has dimension {dimension}; every dimension must be at least 1.", nameof(shape));
            }

            length *= dimension;
            if (offset + length > int.MaxValue)
            {
                throw new ArgumentException($"Parameter '{name}' at offset {offset} would end beyond {int.MaxValue} elements.", nameof(shape));
            }
        }

        Name = name;
        Offset = offset;
        Length = (int)length;
        Shape = new ReadOnlyCollection<int>(copy);
    }

    /// <summary>The PyTorch <c>state_dict</c> name, e.g. <c>layers.0.weight_ih_l0</c>.</summary>
    public string Name { get; }

    /// <summary>The index of the tensor's first element in the model's flat parameter span.</summary>
    public int Offset { get; }

    /// <summary>The number of elements: the product of <see cref="Shape"/>.</summary>
    public int Length { get; }

    /// <summary>The PyTorch shape, outermost dimension first (read-only).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Returns the name, shape and offset, e.g. <c>layers.0.weight_ih_l0 [128, 16] @ 0</c>.</summary>
    /// <returns>A one-line description of the tensor.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} {ShapeText.Format(Shape)} @ {Offset}");
}
