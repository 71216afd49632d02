using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen;

/// <summary>
/// Element-wise helpers for the optimizers, which run over <see cref="Vector{T}"/> lanes. A vector operation
/// rounds every lane exactly as the scalar operation does, so results do not depend on the vector width or on where
/// the tail begins.
/// </summary>
internal static class VectorMath
{
    /// <summary><c>a * b + c</c> rounded once in every lane (PyTorch's <c>add(other, alpha)</c> and
    /// <c>addcmul</c> kernels compile to fused multiply-adds on CPU).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> FusedMultiplyAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Vector.As<float, T>(Vector.FusedMultiplyAdd(Vector.As<T, float>(a), Vector.As<T, float>(b), Vector.As<T, float>(c)));
        }

        return Vector.As<double, T>(Vector.FusedMultiplyAdd(Vector.As<T, double>(a), Vector.As<T, double>(b), Vector.As<T, double>(c)));
    }

    /// <summary>The whole vectors of <paramref name="values"/>; the rest (fewer than <c>Vector&lt;T&gt;.Count</c>
    /// elements) starts at <c>result.Length * Vector&lt;T&gt;.Count</c>.</summary>
    public static Span<Vector<T>> Vectors<T>(Span<T> values)
        where T : unmanaged => MemoryMarshal.Cast<T, Vector<T>>(values);

    /// <summary>The whole vectors of <paramref name="values"/>.</summary>
    public static ReadOnlySpan<Vector<T>> Vectors<T>(ReadOnlySpan<T> values)
        where T : unmanaged => MemoryMarshal.Cast<T, Vector<T>>(values);

    /// <summary>Loads the tail <paramref name="values"/> (shorter than a vector) into a vector padded with zeros.</summary>
    public static Vector<T> LoadTail<T>(ReadOnlySpan<T> values, Span<T> scratch)
        where T : unmanaged
    {
        scratch.Clear();
        values.CopyTo(scratch);
        return new Vector<T>(scratch);
    }

    /// <summary>Stores the first <c>destination.Length</c> lanes of <paramref name="value"/>.</summary>
    public static void StoreTail<T>(Vector<T> value, Span<T> destination, Span<T> scratch)
        where T : unmanaged
    {
        value.CopyTo(scratch);
        scratch[..destination.Length].CopyTo(destination);
    }
}
