using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnGen;

/// <summary>Vectorized building blocks for code that does not unroll its inner products.</summary>
public static class Kernels
{
    /// <summary>The inner product of <paramref name="x"/> and <paramref name="y"/>, accumulated in float with
    /// <see cref="Vector{T}"/> over four independent accumulators, then a scalar tail.</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector, as long as <paramref name="x"/>.</param>
    /// <returns>The sum of <c>x[i] * y[i]</c>; 0 for empty spans.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        CheckLengths(x.Length, y.Length);
        ReadOnlySpan<Vector<float>> xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        ReadOnlySpan<Vector<float>> yv = MemoryMarshal.Cast<float, Vector<float>>(y);
        yv = yv[..xv.Length];

        // Four accumulators hide the latency of the add chain and keep rounding errors in separate sums.
        Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero, a2 = Vector<float>.Zero, a3 = Vector<float>.Zero;
        int v = 0;
        for (; v <= xv.Length - 4; v += 4)
        {
            a0 += xv[v] * yv[v];
            a1 += xv[v + 1] * yv[v + 1];
            a2 += xv[v + 2] * yv[v + 2];
            a3 += xv[v + 3] * yv[v + 3];
        }

        for (; v < xv.Length; v++)
        {
            a0 += xv[v] * yv[v];
        }

        float sum = Vector.Sum((a0 + a1) + (a2 + a3));
        for (int i = xv.Length * Vector<float>.Count; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    /// <summary>The inner product of <paramref name="x"/> and <paramref name="y"/>, accumulated in double with
    /// <see cref="Vector{T}"/> over four independent accumulators, then a scalar tail.</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector, as long as <paramref name="x"/>.</param>
    /// <returns>The sum of <c>x[i] * y[i]</c>; 0 for empty spans.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        CheckLengths(x.Length, y.Length);
        ReadOnlySpan<Vector<double>> xv = MemoryMarshal.Cast<double, Vector<double>>(x);
        ReadOnlySpan<Vector<double>> yv = MemoryMarshal.Cast<double, Vector<double>>(y);
        yv = yv[..xv.Length];

        Vector<double> a0 = Vector<double>.Zero, a1 = Vector<double>.Zero, a2 = Vector<double>.Zero, a3 = Vector<double>.Zero;
        int v = 0;
        for (; v <= xv.Length - 4; v += 4)
        {
            a0 += xv[v] * yv[v];
            a1 += xv[v + 1] * yv[v + 1];
            a2 += xv[v + 2] * yv[v + 2];
            a3 += xv[v + 3] * yv[v + 3];
        }

        for (; v < xv.Length; v++)
        {
            a0 += xv[v] * yv[v];
        }

        double sum = Vector.Sum((a0 + a1) + (a2 + a3));
        for (int i = xv.Length * Vector<double>.Count; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    private static void CheckLengths(int xLength, int yLength)
    {
        if (xLength != yLength)
        {
            throw new ArgumentException($"The vectors have different lengths ({xLength} and {yLength}).");
        }
    }

    /// <summary><c>y[i] += a * x[i]</c> for every i, each element as one fused multiply-add (a single rounding), which
    /// is what PyTorch's CPU kernel computes for <c>y.add_(x, alpha=a)</c>. Vectorized with <see cref="Vector{T}"/>;
    /// the scalar tail rounds the same way, so the result does not depend on the vector width.</summary>
    /// <param name="y">The vector to update.</param>
    /// <param name="a">The scale of <paramref name="x"/>.</param>
    /// <param name="x">The vector to add, as long as <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void AddScaled(Span<float> y, float a, ReadOnlySpan<float> x)
    {
        CheckLengths(y.Length, x.Length);
        Span<Vector<float>> yv = MemoryMarshal.Cast<float, Vector<float>>(y);
        ReadOnlySpan<Vector<float>> xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        xv = xv[..yv.Length];
        var av = new Vector<float>(a);
        for (int v = 0; v < yv.Length; v++)
        {
            yv[v] = Vector.FusedMultiplyAdd(av, xv[v], yv[v]);
        }

        for (int i = yv.Length * Vector<float>.Count; i < y.Length; i++)
        {
            y[i] = MathF.FusedMultiplyAdd(a, x[i], y[i]);
        }
    }

    /// <summary><c>y[i] += a * x[i]</c> for every i, each element as one fused multiply-add (a single rounding), which
    /// is what PyTorch's CPU kernel computes for <c>y.add_(x, alpha=a)</c>. Vectorized with <see cref="Vector{T}"/>;
    /// the scalar tail rounds the same way, so the result does not depend on the vector width.</summary>
    /// <param name="y">The vector to update.</param>
    /// <param name="a">The scale of <paramref name="x"/>.</param>
    /// <param name="x">The vector to add, as long as <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void AddScaled(Span<double> y, double a, ReadOnlySpan<double> x)
    {
        CheckLengths(y.Length, x.Length);
        Span<Vector<double>> yv = MemoryMarshal.Cast<double, Vector<double>>(y);
        ReadOnlySpan<Vector<double>> xv = MemoryMarshal.Cast<double, Vector<double>>(x);
        xv = xv[..yv.Length];
        var av = new Vector<double>(a);
        for (int v = 0; v < yv.Length; v++)
        {
            yv[v] = Vector.FusedMultiplyAdd(av, xv[v], yv[v]);
        }

        for (int i = yv.Length * Vector<double>.Count; i < y.Length; i++)
        {
            y[i] = Math.FusedMultiplyAdd(a, x[i], y[i]);
        }
    }

    /// <summary>
    /// Writes the kernel-ordered copy of a weight matrix that the generated SIMD code reads: W [outputs, inputs]
    /// (row-major, PyTorch's layout) transposed and cut into panels of <paramref name="panelWidth"/> outputs. Panel p
    /// covers outputs [p * panelWidth, p * panelWidth + w) with w = min(panelWidth, outputs - p * panelWidth), starts at
    /// <c>p * panelWidth * inputs</c> and is [inputs, w] row-major: <c>packed[start + k * w + (n - p * panelWidth)] = W[n, k]</c>.
    /// A product <c>y = W x</c> then reads each panel front to back, one row of w outputs per input.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="weight">W, <paramref name="outputs"/> * <paramref name="inputs"/> values.</param>
    /// <param name="outputs">Rows of W.</param>
    /// <param name="inputs">Columns of W.</param>
    /// <param name="panelWidth">Outputs per panel, at least 1.</param>
    /// <param name="packed">Receives the panels; as long as <paramref name="weight"/>.</param>
    /// <exception cref="ArgumentException">A length does not match the shape, or a size is not positive.</exception>
    public static void PackTransposed<T>(ReadOnlySpan<T> weight, int outputs, int inputs, int panelWidth, Span<T> packed)
    {
        if (outputs < 1 || inputs < 1 || panelWidth < 1 || (long)outputs * inputs != weight.Length || packed.Length != weight.Length)
        {
            throw new ArgumentException($"Cannot pack {weight.Length} values as [{outputs}, {inputs}] into {packed.Length} values with panels of {panelWidth}.");
        }

        // A transpose read row by row writes with a stride of one panel row: every write of a wide panel touches
        // another cache line. Tiles of 16 x 16 keep the lines of both sides of a tile in L1 while it is copied.
        for (int start = 0; start < outputs; start += panelWidth)
        {
            int width = Math.Min(panelWidth, outputs - start);
            Span<T> panel = packed.Slice(start * inputs, width * inputs);
            for (int n0 = 0; n0 < width; n0 += PackTile)
            {
                int nEnd = Math.Min(width, n0 + PackTile);
                for (int k0 = 0; k0 < inputs; k0 += PackTile)
                {
                    int kEnd = Math.Min(inputs, k0 + PackTile);
                    for (int n = n0; n < nEnd; n++)
                    {
                        ReadOnlySpan<T> row = weight.Slice(((start + n) * inputs) + k0, kEnd - k0);
                        for (int k = 0; k < row.Length; k++)
                        {
                            panel[((k0 + k) * width) + n] = row[k];
                        }
                    }
                }
            }
        }
    }

    /// <summary>The side of the square tiles <see cref="PackTransposed{T}"/> copies at a time.</summary>
    private const int PackTile = 16;
}
